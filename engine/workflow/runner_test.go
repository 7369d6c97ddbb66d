package workflow_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/lazarus-ha/lazarus/engine/enginetest"
	"github.com/lazarus-ha/lazarus/engine/workflow"
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
		time.Sleep(5 * time.Millisecond)
	}
}

// newNotification inserts a new host notification (as the API does) and
// returns its uuid.
func newNotification(t *testing.T, st *store.Store) string {
	t.Helper()
	seg := enginetest.Segment(t, st, "auto")
	h := enginetest.Host(t, st, seg, "h-"+uuid.NewString()[:8], false)
	id := uuid.NewString()
	_, err := st.Pool().Exec(context.Background(), `INSERT INTO notifications (notification_uuid, generated_time, source_host_uuid, failover_segment_uuid, type, payload)
		VALUES ($1, now(), $2, $3, 'COMPUTE_HOST', '{"event":"STOPPED"}')`, id, h, seg)
	require.NoError(t, err)
	_, err = st.Pool().Exec(context.Background(), `SELECT pg_notify($1, $2)`, store.ChannelNotification, id)
	require.NoError(t, err)
	return id
}

func start(t *testing.T, st *store.Store, owner string, ttl time.Duration, h workflow.Handler) *workflow.Runner {
	t.Helper()
	r := workflow.New(st, workflow.Config{Owner: owner, LeaseTTL: ttl, PollInterval: 20 * time.Millisecond}, h, enginetest.Logger(t), nil)
	require.NoError(t, r.Start(context.Background()))
	t.Cleanup(r.Stop)
	return r
}

// TestRenewalKeepsALongRecovery: a run far longer than the TTL keeps its
// lease; another engine never runs it meanwhile.
func TestRenewalKeepsALongRecovery(t *testing.T) {
	t.Parallel()
	st := storetest.NewStore(t)
	n := newNotification(t, st)
	var runs atomic.Int32
	release := make(chan struct{})
	h := func(ctx context.Context, job *workflow.Job) (workflow.Outcome, error) {
		runs.Add(1)
		select {
		case <-release:
		case <-ctx.Done():
			return workflow.Outcome{}, context.Cause(ctx)
		}
		return workflow.Outcome{Kind: workflow.Finish, Status: "finished"}, nil
	}
	start(t, st, "A", 300*time.Millisecond, h)
	start(t, st, "B", 300*time.Millisecond, h)
	waitFor(t, "the run to start", func() bool { return runs.Load() == 1 })
	time.Sleep(1500 * time.Millisecond) // five TTLs: only renewal keeps it
	require.Equal(t, int32(1), runs.Load(), "the other engine must not take a renewed lease")
	close(release)
	waitFor(t, "finished", func() bool { s, _ := enginetest.NotificationStatus(t, st, n); return s == "finished" })
}

// TestLostLeaseCancelsTheRun: when the lease moves to another owner, the
// old owner's run is cancelled with store.ErrLeaseLost and records
// nothing more.
func TestLostLeaseCancelsTheRun(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := storetest.NewStore(t)
	n := newNotification(t, st)
	cause := make(chan error, 1)
	h := func(ctx context.Context, job *workflow.Job) (workflow.Outcome, error) {
		<-ctx.Done()
		cause <- context.Cause(ctx)
		// A paused owner waking up tries to record: refused.
		return workflow.Outcome{}, job.Checkpoint(context.WithoutCancel(ctx), store.StepEntry{Name: "late", Phase: store.StepPhaseResult, State: store.StepStateSuccess})
	}
	start(t, st, "A", 600*time.Millisecond, h)
	var rec *store.Recovery
	waitFor(t, "A to own the recovery", func() bool {
		r, err := st.RecoveryGetByNotification(ctx, n)
		if err != nil || r.State != store.RecoveryStateRunning {
			return false
		}
		rec = r
		return true
	})
	// Another engine took it over (as RecoveryClaim does once the lease
	// expired; done in one statement so A cannot re-claim in between).
	_, err := st.Pool().Exec(ctx, `UPDATE recoveries SET lease_owner = 'thief', lease_epoch = lease_epoch + 1,
		lease_expires_at = now() + interval '1 minute' WHERE uuid = $1`, rec.UUID)
	require.NoError(t, err)
	select {
	case c := <-cause:
		require.True(t, errors.Is(c, store.ErrLeaseLost), "cause %v", c)
	case <-time.After(30 * time.Second):
		t.Fatal("the run was not cancelled")
	}
	steps, err := st.RecoverySteps(ctx, rec.UUID)
	require.NoError(t, err)
	require.Empty(t, steps)
	got, err := st.RecoveryGet(ctx, rec.UUID)
	require.NoError(t, err)
	require.Equal(t, "thief", got.Lease.Owner, "the old owner did not give back what it no longer owns")
}

// TestStopGivesLeasesBack: a stopping engine releases its recoveries so
// another resumes them at once, not after the TTL (here a minute).
func TestStopGivesLeasesBack(t *testing.T) {
	t.Parallel()
	st := storetest.NewStore(t)
	n := newNotification(t, st)
	var mu sync.Mutex
	var owners []string
	block := func(owner string) workflow.Handler {
		return func(ctx context.Context, job *workflow.Job) (workflow.Outcome, error) {
			mu.Lock()
			owners = append(owners, owner)
			mu.Unlock()
			if owner == "A" {
				<-ctx.Done()
				return workflow.Outcome{}, ctx.Err()
			}
			return workflow.Outcome{Kind: workflow.Finish, Status: "finished"}, nil
		}
	}
	a := workflow.New(st, workflow.Config{Owner: "A", LeaseTTL: time.Minute, PollInterval: 20 * time.Millisecond}, block("A"), enginetest.Logger(t), nil)
	require.NoError(t, a.Start(context.Background()))
	waitFor(t, "A to run it", func() bool { mu.Lock(); defer mu.Unlock(); return len(owners) == 1 })
	start(t, st, "B", time.Minute, block("B"))
	a.Stop()
	waitFor(t, "B to finish it", func() bool { s, _ := enginetest.NotificationStatus(t, st, n); return s == "finished" })
	mu.Lock()
	defer mu.Unlock()
	require.Equal(t, []string{"A", "B"}, owners)
}
