package recovery_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/lazarus-ha/lazarus/engine/brake"
	"github.com/lazarus-ha/lazarus/engine/enginetest"
	"github.com/lazarus-ha/lazarus/engine/heartbeat"
	"github.com/lazarus-ha/lazarus/engine/recovery"
	"github.com/lazarus-ha/lazarus/engine/workflow"
	"github.com/lazarus-ha/lazarus/store"
)

// TestMonitorsVanishHoldsUntilHeartbeatsReturn is invariant 4's "the
// engine refuses to fence when it cannot reach most monitors": four host
// monitors were heard, then all fell silent (this engine may be the
// isolated one) — a reported host is held with the counts as the reason,
// nothing fenced. When the heartbeats return, the same recovery proceeds
// and finishes.
func TestMonitorsVanishHoldsUntilHeartbeatsReturn(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b := setup(t, recovery.MethodAuto)
	hosts := []string{"c1", "c2", "c3", "c4"}
	for _, h := range hosts {
		b.addHost(h, false)
	}
	beat := func(names ...string) {
		var beats []store.MonitorHeartbeat
		for _, h := range names {
			beats = append(beats, store.MonitorHeartbeat{Host: h, PeersAlive: map[string]int{"mgmt": 3}})
		}
		require.NoError(t, b.st.MonitorHeartbeatsUpsert(ctx, beats))
	}
	beat(hosts...)
	cfg := heartbeat.CheckConfig{KnownWindow: time.Hour, StaleAfter: time.Second, MaxSilentRatio: 0.5}
	waitFor(t, "the heartbeats to go stale", func() bool {
		known, fresh, err := b.st.MonitorHeartbeatCounts(ctx, cfg.KnownWindow, cfg.StaleAfter)
		require.NoError(t, err)
		return known == 4 && fresh == 0
	})

	vm := b.compute.AddServer("c1", "vm", "active", ha(), small)
	b.compute.KillHost("c1")
	n := b.notify("c1", stoppedPayload, "c2", nil)
	fl := recovery.New(b.cfg, b.compute, b.fencer, b.confirm, brake.Checks{heartbeat.NewCheck(b.st, cfg)}, b.metrics)
	r := workflow.New(b.st, workflow.Config{Owner: "e", LeaseTTL: 5 * time.Second, PollInterval: 20 * time.Millisecond}, fl.Handle, enginetest.Logger(t), nil)
	require.NoError(t, r.Start(ctx))
	t.Cleanup(r.Stop)

	reason := b.waitHeld(n)
	require.Contains(t, reason, "heard from 0 of 4 host monitors in the last 1s")
	require.Contains(t, reason, "this engine may be the isolated one")
	require.Empty(t, b.fencer.Fences())
	require.Empty(t, b.compute.Evacuations())

	// The monitors of the surviving hosts beat again (c1's died with it).
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		tk := time.NewTicker(100 * time.Millisecond)
		defer tk.Stop()
		for {
			beat("c2", "c3", "c4")
			select {
			case <-stop:
				return
			case <-tk.C:
			}
		}
	})
	defer wg.Wait()
	defer close(stop)
	st, msg := b.waitStatus(n, "finished", "error")
	require.Equal(t, "finished", st, msg)
	require.Equal(t, []string{"c1"}, b.fencer.Fences())
	require.Len(t, b.compute.Evacuations()[vm], 1)
}
