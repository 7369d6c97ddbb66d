package host

import (
	"os"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/lazarus-ha/lazarus/monitors/event"
)

// One timeline on three hosts: compute-3 loses its storage cable (degraded,
// no STOPPED), then its management cable too (STOPPED from compute-1 and
// compute-2; compute-3 itself is isolated, accuses nobody, reports itself
// and runs isolation_action), then both cables come back (STARTED).
func TestLabPartitionTimeline(t *testing.T) {
	l := newLab(t, labOptions{hosts: 3})
	h1, h2, h3 := l.hosts[0], l.hosts[1], l.hosts[2]
	l.waitAllUp(60 * time.Second)

	// 1. Storage cable of compute-3 cut: degraded on both observers.
	l.link(h3, 1, false)
	l.waitLog(h1, 30*time.Second, "compute-3 degraded", statusLog(h3.name, "degraded"))
	l.waitLog(h2, 30*time.Second, "compute-3 degraded", statusLog(h3.name, "degraded"))
	// Give the observers well past their settle time to (wrongly) accuse.
	time.Sleep(4 * time.Second)
	require.Empty(t, l.eventsWhere(func(e *event.Event) bool {
		return e.Notification.Payload["event"] == event.EventStopped
	}), "a host alive on one network must not be reported STOPPED")

	// 2. Management cable cut too: compute-3 is down for the others.
	cut := time.Now()
	l.link(h3, 0, false)
	for _, obs := range []*labHost{h1, h2} {
		e, at := l.waitEvent(60*time.Second, "STOPPED for compute-3 from "+obs.name, hostEvent(obs.name, h3.name, event.EventStopped))
		t.Logf("STOPPED compute-3 from %s arrived %s after the cut", obs.name, at.Sub(cut).Round(time.Millisecond))
		require.Equal(t, event.ClusterStatusOff, e.Notification.Payload["cluster_status"])
		require.Equal(t, event.HostStatusNormal, e.Notification.Payload["host_status"])
		require.NotNil(t, e.Evidence)
		require.ElementsMatch(t, []string{"mgmt", "storage"}, e.Evidence.NetworksLost)
		require.Empty(t, e.Evidence.NetworksAlive)
	}
	// compute-3 reports its own isolation and accuses nobody.
	self, _ := l.waitEvent(60*time.Second, "isolation report of compute-3", func(e *event.Event) bool {
		return e.Observer == h3.name && e.Notification.Hostname == h3.name
	})
	require.NotNil(t, self.Evidence)
	require.True(t, self.Evidence.Isolated)
	require.Equal(t, event.HostStatusUnknown, self.Notification.Payload["host_status"])
	waitFile(t, l.isolationMarker(h3), 30*time.Second)

	// 3. Both cables back: STARTED from both observers.
	l.link(h3, 0, true)
	l.link(h3, 1, true)
	for _, obs := range []*labHost{h1, h2} {
		l.waitEvent(60*time.Second, "STARTED for compute-3 from "+obs.name, hostEvent(obs.name, h3.name, event.EventStarted))
	}
	l.waitLog(h3, 30*time.Second, "isolation ended", func(m map[string]any) bool { return m["msg"] == "isolation ended" })

	accusedByIsolated := l.eventsWhere(func(e *event.Event) bool {
		return e.Observer == h3.name && e.Notification.Hostname != h3.name
	})
	require.Empty(t, accusedByIsolated, "an isolated host accuses nobody")
	// Nobody reported compute-1 or compute-2.
	others := l.eventsWhere(func(e *event.Event) bool {
		return slices.Contains([]string{h1.name, h2.name}, e.Notification.Hostname)
	})
	require.Empty(t, others)
}

func waitFile(t *testing.T, path string, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		if _, err := os.Stat(path); err == nil {
			return
		}
		require.True(t, time.Now().Before(deadline), "%s not created within %s", path, timeout)
		time.Sleep(100 * time.Millisecond)
	}
}

// Two hosts: when one dies the survivor has lost every peer, and only the
// isolation address (pinged, ICMP) tells it that it is not the one cut
// off; so it accuses the dead host and does not report itself.
func TestLabTwoHostsPeerCrashes(t *testing.T) {
	l := newLab(t, labOptions{hosts: 2, isolation: "10.231.0.254"})
	h1, h2 := l.hosts[0], l.hosts[1]
	l.waitAllUp(60 * time.Second)
	l.crash(h2)
	e, _ := l.waitEvent(60*time.Second, "STOPPED for compute-2", hostEvent(h1.name, h2.name, event.EventStopped))
	require.ElementsMatch(t, []string{"mgmt", "storage"}, e.Evidence.NetworksLost)
	require.Empty(t, l.eventsWhere(func(e *event.Event) bool { return e.Notification.Hostname == h1.name }),
		"the survivor reached the isolation address, so it is not isolated")
}
