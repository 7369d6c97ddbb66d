package novasim

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestParseMicroversion(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		header map[string]string
		minor  int
		ok     bool
	}{
		// No header: the base version 2.1, as Nova.
		{"none", nil, 1, true},
		{"new header", map[string]string{"OpenStack-API-Version": "compute 2.53"}, 53, true},
		{"legacy header", map[string]string{"X-OpenStack-Nova-API-Version": "2.60"}, 60, true},
		// The new header wins when both are sent (gophercloud sends both).
		{"both", map[string]string{"OpenStack-API-Version": "compute 2.53", "X-OpenStack-Nova-API-Version": "2.60"}, 53, true},
		// Another service's entry in the new header is ignored.
		{"other service", map[string]string{"OpenStack-API-Version": "volume 3.40, compute 2.20"}, 20, true},
		{"latest", map[string]string{"OpenStack-API-Version": "compute latest"}, 95, true},
		{"too new", map[string]string{"OpenStack-API-Version": "compute 2.96"}, 0, false},
		{"major 3", map[string]string{"OpenStack-API-Version": "compute 3.1"}, 0, false},
		{"garbage", map[string]string{"X-OpenStack-Nova-API-Version": "two"}, 0, false},
		{"zero", map[string]string{"X-OpenStack-Nova-API-Version": "2.0"}, 0, false},
	} {
		h := http.Header{}
		for k, v := range tc.header {
			h.Set(k, v)
		}
		_, minor, ok := parseMicroversion(h, 95)
		require.Equal(t, tc.ok, ok, tc.name)
		require.Equal(t, tc.minor, minor, tc.name)
	}
}

// FuzzParseMicroversion: any header value parses to a version within
// range or is refused.
func FuzzParseMicroversion(f *testing.F) {
	for _, s := range []string{"compute 2.53", "compute latest", "volume 3.4, compute 2.1", "compute 2.", "compute -2.5"} {
		f.Add(s, "2.53")
	}
	f.Fuzz(func(t *testing.T, modern, legacy string) {
		h := http.Header{}
		h.Set("OpenStack-API-Version", modern)
		h.Set("X-OpenStack-Nova-API-Version", legacy)
		_, minor, ok := parseMicroversion(h, 95)
		if ok {
			require.True(t, minor >= 1 && minor <= 95, "minor %d", minor)
		}
	})
}
