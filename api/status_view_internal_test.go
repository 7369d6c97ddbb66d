package api

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/lazarus-ha/lazarus/store"
)

func TestFenceReadiness(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	yes, no := true, false
	msg := "dial udp: i/o timeout"
	dev := func(level int, driver string, ready *bool) *store.FenceDevice {
		d := &store.FenceDevice{Level: level, Driver: driver, FenceReady: ready, Address: "10.0.0.9"}
		if ready != nil && !*ready {
			d.LastError = &msg
		}
		return d
	}
	for _, tc := range []struct {
		name           string
		devs           []*store.FenceDevice
		summary, class string
	}{
		// Nothing can prove this host dead: with require_fencing its
		// recoveries will hold.
		{"no device", nil, "no fence device", "bad"},
		{"first level ready", []*store.FenceDevice{dev(1, "ipmi", &yes), dev(2, "agent", &no)}, "ready", "ok"},
		// Every device of a level must succeed: one failing device spoils it.
		{"one device of the level failing", []*store.FenceDevice{dev(1, "ipmi", &yes), dev(1, "agent", &no)}, "NOT READY", "bad"},
		// A later level still protects the host, but fencing will take longer.
		{"fallback ready", []*store.FenceDevice{dev(1, "ipmi", &no), dev(2, "agent", &yes)}, "level 2 ready", "warn"},
		// Manual levels wait for an operator by design.
		{"manual", []*store.FenceDevice{dev(1, "manual", nil)}, "operator confirms", "warn"},
		{"manual after a failing level", []*store.FenceDevice{dev(1, "ipmi", &no), dev(2, "manual", nil)}, "operator confirms", "warn"},
		// Not checked yet is not known to be broken.
		{"unchecked", []*store.FenceDevice{dev(1, "ipmi", nil)}, "not checked yet", "warn"},
		{"all failing", []*store.FenceDevice{dev(1, "ipmi", &no), dev(2, "agent", &no)}, "NOT READY", "bad"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			summary, class, detail := fenceReadiness(tc.devs, now)
			require.Equal(t, tc.summary, summary)
			require.Equal(t, tc.class, class)
			require.Len(t, detail, len(tc.devs))
		})
	}
}

func TestHeartbeatAge(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	at := func(d time.Duration) *time.Time { x := now.Add(-d); return &x }
	for _, tc := range []struct {
		name       string
		at         *time.Time
		text, want string
	}{
		{"never", nil, "never", "muted"},
		{"fresh", at(4 * time.Second), "4 s ago", "ok"},
		// 3 × the default heartbeat_interval, the engine's stale limit.
		{"at the limit", at(30 * time.Second), "30 s ago", "ok"},
		{"silent", at(31 * time.Second), "31 s ago (silent)", "bad"},
		{"long silent", at(2 * time.Hour), "2 h ago (silent)", "bad"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			text, class := heartbeatAge(tc.at, now)
			require.Equal(t, tc.text, text)
			require.Equal(t, tc.want, class)
		})
	}
}
