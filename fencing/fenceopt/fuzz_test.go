package fenceopt_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/lazarus-ha/lazarus/fencing/fenceopt"
)

// FuzzParseAgent feeds arbitrary option names and values to the agent
// mapping: whatever it accepts holds no line break, NUL or '=' in a name,
// no refused option, and is its own normal form (parsing the result again
// gives the same options), so the API and the engine agree on it.
func FuzzParseAgent(f *testing.F) {
	for _, s := range [][2]string{{"lanplus", "1"}, {"LANPLUS", "Yes"}, {"power-wait", "2.5"}, {"ip", "a\naction=on"}, {"ipmitool_path", "/x"}, {"method", "CYCLE"}} {
		f.Add("fence_ipmilan", s[0], s[1], "10.0.0.5")
	}
	f.Add("fence_unknown", "ssl_insecure", "on", "")
	f.Fuzz(func(t *testing.T, agent, name, value, address string) {
		d := fenceopt.Device{Driver: "agent", Agent: agent, Address: address, Options: map[string]string{name: value}}
		got, err := fenceopt.ParseAgent(d)
		if err != nil {
			return
		}
		for k, v := range got.Options {
			if strings.ContainsAny(k, "=\n\r\x00 \t") || strings.ContainsAny(v, "\n\r\x00") {
				t.Fatalf("accepted option %q=%q", k, v)
			}
			if k == "action" || strings.Contains(k, "password") || strings.HasSuffix(k, "_path") {
				t.Fatalf("accepted refused option %q", k)
			}
		}
		again, err := fenceopt.ParseAgent(fenceopt.Device{Driver: "agent", Agent: agent, Options: got.Options})
		require.NoError(t, err)
		require.Equal(t, got, again)
	})
}
