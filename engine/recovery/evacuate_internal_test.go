package recovery

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestEvacuationPending(t *testing.T) {
	t.Parallel()
	since := time.Date(2026, 11, 22, 7, 0, 0, 0, time.UTC)
	evac := func(status, src string, at time.Time) Migration {
		return Migration{Type: "evacuation", Status: status, SourceCompute: src, CreatedAt: at}
	}
	after := since.Add(time.Second)
	cases := []struct {
		name string
		migs []Migration
		want bool
	}{
		{"no migrations: free to evacuate", nil, false},
		{"accepted evacuation is in flight", []Migration{evac("accepted", "c1", after)}, true},
		{"a done evacuation has landed: the read of the server was older than this one (the e2e double-call)", []Migration{evac("done", "c1", after)}, true},
		{"a failed evacuation leaves the instance free to retry", []Migration{evac("failed", "c1", after)}, false},
		{"an error'd one too", []Migration{evac("error", "c1", after)}, false},
		{"an evacuation from an earlier incident does not count", []Migration{evac("done", "c1", since.Add(-time.Hour))}, false},
		{"an evacuation off another host does not count", []Migration{evac("done", "c9", after)}, false},
		{"a live migration is not an evacuation", []Migration{{Type: "live-migration", Status: "running", SourceCompute: "c1", CreatedAt: after}}, false},
		{"one failed attempt and one in flight: still moving", []Migration{evac("failed", "c1", after), evac("migrating", "c1", after)}, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tc.want, evacuationPending(tc.migs, "c1", since))
		})
	}
}
