package leader_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/lazarus-ha/lazarus/engine/enginetest"
	"github.com/lazarus-ha/lazarus/engine/leader"
	"github.com/lazarus-ha/lazarus/store"
	"github.com/lazarus-ha/lazarus/store/storetest"
)

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestOneLeaderAndHandover(t *testing.T) {
	t.Parallel()
	st := storetest.NewStore(t)
	cfg := leader.Config{LeaseTTL: 600 * time.Millisecond, RetryInterval: time.Hour, ExpireInterval: time.Hour}
	a := leader.New(st, withOwner(cfg, "A"), nil, enginetest.Logger(t))
	b := leader.New(st, withOwner(cfg, "B"), nil, enginetest.Logger(t))
	require.NoError(t, a.Start(context.Background()))
	waitFor(t, "A to lead", a.IsLeader)
	require.NoError(t, b.Start(context.Background()))
	t.Cleanup(b.Stop)
	// B keeps trying for a while; it must never lead while A does.
	for range 20 {
		require.False(t, a.IsLeader() && b.IsLeader(), "two leaders at once")
		time.Sleep(30 * time.Millisecond)
	}
	require.False(t, b.IsLeader())
	a.Stop() // resigns
	waitFor(t, "B to take over", b.IsLeader)
	require.False(t, a.IsLeader())
}

func withOwner(c leader.Config, o string) leader.Config { c.Owner = o; return c }

// TestClearMaintenance is invariant 6 on the leader side: maintenance
// Lazarus set is cleared only when no recovery of the host is active and
// nova-compute is up and not forced down; an operator's own maintenance is
// never touched.
func TestClearMaintenance(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := storetest.NewStore(t)
	seg := enginetest.Segment(t, st, "auto")
	h1 := enginetest.Host(t, st, seg, "c1", false)
	h2 := enginetest.Host(t, st, seg, "c2", false)
	nova := enginetest.NewFakeCompute()
	nova.AddHost("c1", 8, 8192, 100)
	nova.AddHost("c2", 8, 8192, 100)
	// c1: Lazarus set maintenance; c2: an operator did.
	_, err := st.Pool().Exec(ctx, `UPDATE hosts SET on_maintenance = true, maintenance_by_lazarus = (uuid = $1)`, h1)
	require.NoError(t, err)
	// c1 has an active recovery and is forced down.
	n := uuid.NewString()
	_, err = st.Pool().Exec(ctx, `INSERT INTO notifications (notification_uuid, generated_time, source_host_uuid, failover_segment_uuid, type, payload, status)
		VALUES ($1, now(), $2, $3, 'COMPUTE_HOST', '{"event":"STOPPED"}', 'running')`, n, h1, seg)
	require.NoError(t, err)
	_, err = st.Pool().Exec(ctx, `INSERT INTO recoveries (uuid, notification_uuid, kind, host_uuid, host_name, segment_uuid, state)
		VALUES ($1, $2, 'host', $3, 'c1', $4, 'running')`, uuid.NewString(), n, h1, seg)
	require.NoError(t, err)
	svc := nova.Service("c1")
	require.NoError(t, nova.SetForcedDown(ctx, svc.ID, true))

	l := leader.New(st, leader.Config{Owner: "A", ClearMaintenance: true}, nova, enginetest.Logger(t))
	on := func(h string) bool { o, _ := enginetest.HostMaintenance(t, st, h); return o }

	require.NoError(t, l.ClearMaintenance(ctx))
	require.True(t, on(h1), "recovery still active: stays on maintenance")

	_, err = st.Pool().Exec(ctx, `UPDATE recoveries SET state = 'done'; UPDATE notifications SET status = 'finished'`)
	require.NoError(t, err)
	require.NoError(t, l.ClearMaintenance(ctx))
	require.True(t, on(h1), "still forced down (its VMs' safety is the operator's call): stays on maintenance")

	require.NoError(t, nova.SetForcedDown(ctx, svc.ID, false))
	require.NoError(t, l.ClearMaintenance(ctx))
	require.False(t, on(h1), "up again, not forced down, no recovery: cleared")
	require.True(t, on(h2), "an operator's maintenance is never cleared by Lazarus")
}

func TestRetryAndExpireTasks(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := storetest.NewStore(t)
	seg := enginetest.Segment(t, st, "auto")
	h := enginetest.Host(t, st, seg, "c1", false)
	n := uuid.NewString()
	_, err := st.Pool().Exec(ctx, `INSERT INTO notifications (notification_uuid, generated_time, source_host_uuid, failover_segment_uuid, type, payload, status)
		VALUES ($1, now(), $2, $3, 'COMPUTE_HOST', '{"event":"STOPPED"}', 'error')`, n, h, seg)
	require.NoError(t, err)
	_, err = st.Pool().Exec(ctx, `INSERT INTO recoveries (uuid, notification_uuid, kind, host_uuid, host_name, segment_uuid, state)
		VALUES ($1, $2, 'host', $3, 'c1', $4, 'done')`, uuid.NewString(), n, h, seg)
	require.NoError(t, err)
	woken := 0
	l := leader.New(st, leader.Config{Owner: "A", OnRetry: func() { woken++ }}, nil, enginetest.Logger(t))
	require.NoError(t, l.Retry(ctx))
	s, _ := enginetest.NotificationStatus(t, st, n)
	require.Equal(t, "running", s)
	require.Equal(t, 1, woken)
	rec, err := st.RecoveryGetByNotification(ctx, n)
	require.NoError(t, err)
	require.Equal(t, store.RecoveryStatePending, rec.State)
	require.Equal(t, 2, rec.Attempt)

	_, err = st.Pool().Exec(ctx, `UPDATE notifications SET generated_time = now() - interval '2 days'`)
	require.NoError(t, err)
	require.NoError(t, l.Expire(ctx))
	s, _ = enginetest.NotificationStatus(t, st, n)
	require.Equal(t, "failed", s)
}
