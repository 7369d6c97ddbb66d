package recovery_test

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/lazarus-ha/lazarus/engine/recovery"
	"github.com/lazarus-ha/lazarus/store"
)

func TestObserverEvidence(t *testing.T) {
	t.Parallel()
	obs := func(evidence ...string) []store.Observer {
		var out []store.Observer
		for _, e := range evidence {
			out = append(out, store.Observer{Evidence: json.RawMessage(e)})
		}
		return out
	}
	cases := []struct {
		name   string
		obs    []store.Observer
		n, iso int
		alive  []string
		why    string
	}{
		{"none", nil, 0, 0, nil, "an API notification has no observers"},
		{"plain", obs(""), 1, 0, nil, "a report without evidence still counts as a report"},
		{"alive links merged", obs(`{"networks_alive":["storage"]}`, `{"networks_alive":["storage","mgmt2"]}`), 2, 0, []string{"mgmt2", "storage"},
			"links on which anyone still reached the host, each once, sorted"},
		{"isolated observer ignored", obs(`{"isolated":true,"networks_alive":["storage"]}`, `{}`), 2, 1, nil,
			"an isolated observer's view of the host counts for nothing"},
		{"garbage", obs(`{not json`, `[1,2]`), 2, 0, nil, "undecodable evidence is a report without evidence"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			n, iso, alive := recovery.ObserverEvidence(c.obs)
			require.Equal(t, c.n, n, c.why)
			require.Equal(t, c.iso, iso, c.why)
			require.Equal(t, c.alive, alive, c.why)
		})
	}
}

// FuzzObserverEvidence feeds arbitrary stored evidence to the decoder the
// verdict relies on: it must never panic, and an isolated count can never
// exceed the reports.
func FuzzObserverEvidence(f *testing.F) {
	for _, s := range []string{``, `{}`, `{"isolated":true}`, `{"networks_alive":["a","b"]}`, `{"networks_alive":[""]}`, `null`, `{`} {
		f.Add([]byte(s), []byte(`{"networks_alive":["x"]}`))
	}
	f.Fuzz(func(t *testing.T, a, b []byte) {
		n, iso, alive := recovery.ObserverEvidence([]store.Observer{{Evidence: a}, {Evidence: b}})
		if n != 2 || iso > n || iso < 0 {
			t.Fatalf("observers %d isolated %d", n, iso)
		}
		for _, l := range alive {
			if l == "" {
				t.Fatal("empty link name")
			}
		}
	})
}
