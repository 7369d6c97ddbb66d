package recovery_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/lazarus-ha/lazarus/engine/recovery"
	"github.com/lazarus-ha/lazarus/monitors/event"
	"github.com/lazarus-ha/lazarus/store"
)

func TestAccusedPeers(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 12, 4, 2, 0, 0, 0, time.UTC)
	ev := func(e event.Evidence) json.RawMessage { b, _ := json.Marshal(e); return b }
	obs := func(e event.Evidence) store.Observer {
		return store.Observer{Observer: "c3", Evidence: ev(e), ReceivedAt: at}
	}
	hosts := []store.RecoveryHost{{Name: "c1"}, {Name: "c2"}, {Name: "c3"}, {Name: "c4", OnMaintenance: true}, {Name: "c5"}}
	up := map[string]recovery.Service{"c5": {Host: "c5", ForcedDown: true}}
	for _, tc := range []struct {
		name  string
		obs   []store.Observer
		beats []store.MonitorHeartbeat
		want  []string
	}{
		{"named in the report", []store.Observer{obs(event.Evidence{PeersDown: []string{"c2"}})}, nil, []string{"c2"}},
		{"the failed host itself", []store.Observer{obs(event.Evidence{PeersDown: []string{"c1"}})}, nil, nil},
		{"not in the segment", []store.Observer{obs(event.Evidence{PeersDown: []string{"x9"}})}, nil, nil},
		{"on maintenance", []store.Observer{obs(event.Evidence{PeersDown: []string{"c4"}})}, nil, nil},
		{"forced down", []store.Observer{obs(event.Evidence{PeersDown: []string{"c5"}})}, nil, nil},
		{"an isolated observer", []store.Observer{obs(event.Evidence{Isolated: true, PeersDown: []string{"c2"}})}, nil, nil},
		{"heard after the report", []store.Observer{obs(event.Evidence{PeersDown: []string{"c2"}})},
			[]store.MonitorHeartbeat{{Host: "c2", LastSeen: at.Add(time.Second)}}, nil},
		{"heard only before the report", []store.Observer{obs(event.Evidence{PeersDown: []string{"c2"}})},
			[]store.MonitorHeartbeat{{Host: "c2", LastSeen: at.Add(-time.Second)}}, []string{"c2"}},
		{"two observers, once each", []store.Observer{obs(event.Evidence{PeersDown: []string{"c3", "c2"}}), obs(event.Evidence{PeersDown: []string{"c2"}})},
			nil, []string{"c2", "c3"}},
		{"no evidence", []store.Observer{{Observer: "c3", ReceivedAt: at}}, nil, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, tc.want, recovery.AccusedPeers(tc.obs, hosts, up, tc.beats, "c1"))
		})
	}
}
