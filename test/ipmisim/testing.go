package ipmisim

import "testing"

// Start launches n BMCs with running hosts in a temporary directory and
// stops them when the test ends. It fails the test, with the reason, when
// ipmi_sim is missing or does not start.
func Start(t testing.TB, n int) []*BMC {
	t.Helper()
	return StartWith(t, Options{Count: n})
}

// StartWith is Start with options (opts.Count BMCs).
func StartWith(t testing.TB, opts Options) []*BMC {
	t.Helper()
	s, err := Launch(t.TempDir(), opts)
	if err != nil {
		t.Fatalf("start ipmi_sim BMCs: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s.BMCs
}
