package recovery_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/lazarus-ha/lazarus/engine/brake"
	"github.com/lazarus-ha/lazarus/engine/enginetest"
	"github.com/lazarus-ha/lazarus/engine/recovery"
	"github.com/lazarus-ha/lazarus/engine/workflow"
)

// TestEvacuationLimits runs many host recoveries at once in one engine and
// checks, inside the fake Nova, that the evacuations in flight never
// exceed the per-target and engine-wide limits, nor Masakari's per-recovery
// threads when those are set.
func TestEvacuationLimits(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name                   string
		failed, perHost, spare int
		threads                int
		perTarget, inFlight    int
		// wantTotal and wantTarget are the bounds the fake must never see
		// exceeded.
		wantTotal, wantTarget int
	}{
		// Why: 1,000 instances of 20 failed hosts pile onto 5 targets; the
		// per-target limit (3) is the one that binds, so at most 15 at once.
		{name: "per target binds", failed: 20, perHost: 50, spare: 5, perTarget: 3, inFlight: 100, wantTotal: 15, wantTarget: 3},
		// Why: 10 targets could take 40; the engine-wide limit (12) binds.
		{name: "engine-wide binds", failed: 20, perHost: 50, spare: 10, perTarget: 4, inFlight: 12, wantTotal: 12, wantTarget: 4},
		// Why: host_failure_recovery_threads set keeps Masakari's meaning:
		// one recovery evacuates at most that many instances at a time.
		{name: "threads set", failed: 1, perHost: 30, spare: 5, threads: 2, wantTotal: 2, wantTarget: 2},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t, recovery.MethodAuto)
			b.cfg.Threads = tc.threads
			b.cfg.MaxEvacuationsPerTarget = tc.perTarget
			b.cfg.MaxEvacuationsInFlight = tc.inFlight
			// 20 of 25 hosts failing is a storm: not what this tests.
			b.cfg.Brake = brake.Limits{MaxFailedHostRatio: 1, MinHostsForRatio: 1, MaxFencesPerWindow: 1000, Window: 10 * time.Minute}
			b.compute.EvacuateDelay = 20 * time.Millisecond
			for i := range tc.spare {
				h := fmt.Sprintf("target-%02d", i)
				b.hosts[h] = enginetest.Host(t, b.st, b.segment, h, false)
				b.compute.AddHost(h, 4096, 1<<22, 1<<20)
			}
			var ids []string
			var notifications []string
			for i := range tc.failed {
				h := fmt.Sprintf("failed-%02d", i)
				b.addHost(h, false)
				for j := range tc.perHost {
					ids = append(ids, b.compute.AddServer(h, fmt.Sprintf("%s-vm%d", h, j), "active", ha(), small))
				}
			}
			for i := range tc.failed {
				h := fmt.Sprintf("failed-%02d", i)
				b.compute.KillHost(h)
				notifications = append(notifications, b.notify(h, stoppedPayload, "", nil))
			}
			fl := recovery.New(b.cfg, b.compute, b.fencer, b.confirm, nil, b.metrics)
			r := workflow.New(b.st, workflow.Config{Owner: "engine-a", LeaseTTL: 30 * time.Second, PollInterval: 20 * time.Millisecond,
				Workers: tc.failed, ErrorBackoff: 50 * time.Millisecond}, fl.Handle, enginetest.Logger(t), b.metrics)
			require.NoError(t, r.Start(context.Background()))
			t.Cleanup(r.Stop)

			for _, n := range notifications {
				status, msg := b.waitStatus(n, "finished", "error")
				require.Equal(t, "finished", status, msg)
			}
			evac := b.compute.Evacuations()
			for _, id := range ids {
				require.Len(t, evac[id], 1, "one evacuate call per instance")
			}
			total, perTarget := b.compute.MaxInFlight()
			t.Logf("%d instances: at most %d evacuations in flight at once, per target %v", len(ids), total, perTarget)
			require.LessOrEqual(t, total, tc.wantTotal, "evacuations in flight in the engine")
			for target, n := range perTarget {
				require.LessOrEqual(t, n, tc.wantTarget, "evacuations in flight to %s", target)
			}
		})
	}
}

// TestSixEvacuationsAtOnceByDefault: with the default limits, the test
// cloud's case (6 HA instances, 2 targets) evacuates all six at once, not
// in waves. Nova holds every evacuation in flight until six have been
// accepted; a limit below six would never get there.
func TestSixEvacuationsAtOnceByDefault(t *testing.T) {
	t.Parallel()
	b := setup(t, recovery.MethodAuto)
	b.cfg.Threads = 0 // host_failure_recovery_threads unset
	// Longer than waitFor's bound: a held evacuation never times out and
	// frees its slot, so only a limit of six or more gets six in flight.
	b.cfg.WaitAfterEvacuation = 2 * time.Minute
	for _, h := range []string{"compute-1", "compute-2", "compute-3"} {
		b.addHost(h, false)
	}
	for i := range 6 {
		b.compute.AddServer("compute-1", fmt.Sprintf("ha-%d", i), "active", ha(), small)
	}
	b.compute.HoldEvacuations()
	b.compute.KillHost("compute-1")
	n := b.notify("compute-1", stoppedPayload, "", nil)
	b.engine("engine-a", 5*time.Second)

	waitFor(t, "six evacuations in flight at once", func() bool { return b.compute.InFlight() == 6 })
	b.compute.ReleaseEvacuations()
	status, msg := b.waitStatus(n, "finished", "error")
	require.Equal(t, "finished", status, msg)
	total, perTarget := b.compute.MaxInFlight()
	require.Equal(t, 6, total)
	require.Equal(t, map[string]int{"compute-2": 3, "compute-3": 3}, perTarget, "spread over both targets")
}
