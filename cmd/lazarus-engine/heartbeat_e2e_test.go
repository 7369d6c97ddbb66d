package main

import (
	"context"
	"github.com/lazarus-ha/lazarus/monitors/wire"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/lazarus-ha/lazarus/monitors/event"
	"github.com/lazarus-ha/lazarus/monitors/publish"
	"github.com/lazarus-ha/lazarus/test/novasim"
)

// TestE2EMonitorsSilentHolds: the real engine binary records the host
// monitors' heartbeats from the broker; when they all fall silent a
// reported host is held (not fenced) with the counts as the reason, and
// when the surviving monitors beat again the recovery proceeds.
func TestE2EMonitorsSilentHolds(t *testing.T) {
	t.Parallel()
	c := newCloud(t, novasim.Options{ServiceDownTime: time.Second})
	c.addHost("c1", true)
	c.addHost("c2", false)
	c.addHost("c3", false)
	ids := c.addServers("c1", 2, true)
	sender, err := publish.NewHeartbeatSender(rabbitURL(), c.queue)
	require.NoError(t, err)
	t.Cleanup(func() { _ = sender.Close() })
	t.Cleanup(func() {
		_, _ = c.pub.QueueDelete(wire.HeartbeatQueue(c.queue), false, false, false)
	})
	beat := func(hosts ...string) {
		for _, h := range hosts {
			require.NoError(t, sender.Send(context.Background(), &event.Heartbeat{Version: event.HeartbeatVersion, Observer: h,
				Monitor: event.MonitorHost, SentAt: time.Now().UTC(), PeersAlive: map[string]int{"mgmt": 2}}))
		}
	}
	c.startEngineWith("engine-a", map[string]string{"engine.monitor_stale_after": "2s"})
	// The engine declares the heartbeat queue when it connects; keep
	// beating until its rows show up.
	waitFor(t, "the engine to record the heartbeats", 2*time.Minute, func() bool {
		beat("c1", "c2", "c3")
		beats, err := c.st.MonitorHeartbeats(context.Background())
		require.NoError(t, err)
		return len(beats) == 3
	})
	waitFor(t, "the heartbeats to go stale", time.Minute, func() bool {
		known, fresh, err := c.st.MonitorHeartbeatCounts(context.Background(), time.Hour, 2*time.Second)
		require.NoError(t, err)
		return known == 3 && fresh == 0
	})

	require.NoError(t, c.sim.KillHost("c1"))
	c.publish("ev-1", "c2", "c1", stopped)
	waitFor(t, "the recovery to hold", 2*time.Minute, func() bool {
		var state string
		_ = c.st.Pool().QueryRow(context.Background(), `SELECT state FROM recoveries`).Scan(&state)
		return state == "held"
	})
	_, status, msg := c.notificationOf("ev-1")
	require.Equal(t, "running", status)
	require.Contains(t, msg, "heard from 0 of 3 host monitors in the last 2s")
	require.True(t, c.bmcs["c1"].HostAlive(), "not fenced")
	for _, id := range ids {
		require.Zero(t, c.sim.EvacuateCount(id))
	}

	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		tk := time.NewTicker(200 * time.Millisecond)
		defer tk.Stop()
		for {
			beat("c2", "c3")
			select {
			case <-stop:
				return
			case <-tk.C:
			}
		}
	})
	defer wg.Wait()
	defer close(stop)
	status, msg = c.waitStatus("ev-1", "finished", "error")
	require.Equal(t, "finished", status, msg)
	require.False(t, c.bmcs["c1"].HostAlive(), "fenced once the monitors were heard again")
	for _, id := range ids {
		require.Equal(t, 1, c.sim.EvacuateCount(id))
	}
}
