package store_test

import (
	"context"
	"encoding/json"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/lazarus-ha/lazarus/store"
	"github.com/lazarus-ha/lazarus/store/storetest"
)

// fixture inserts rows with plain SQL, so these tests depend only on the
// schema, not on other store methods.
type fixture struct {
	t  *testing.T
	st *store.Store
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	return &fixture{t: t, st: storetest.NewStore(t)}
}

func (f *fixture) segment(enabled bool) string {
	f.t.Helper()
	id := uuid.NewString()
	_, err := f.st.Pool().Exec(context.Background(), `INSERT INTO segments (uuid, name, service_type, recovery_method, enabled)
		VALUES ($1, $2, 'COMPUTE', 'auto', $3)`, id, "seg-"+id[:8], enabled)
	require.NoError(f.t, err)
	return id
}

func (f *fixture) host(seg, name string) string {
	f.t.Helper()
	id := uuid.NewString()
	_, err := f.st.Pool().Exec(context.Background(), `INSERT INTO hosts (uuid, name, failover_segment_id, type, control_attributes)
		VALUES ($1, $2, $3, 'COMPUTE', 'SSH')`, id, name, seg)
	require.NoError(f.t, err)
	return id
}

func (f *fixture) notification(host, typ string, payload map[string]string) string {
	f.t.Helper()
	id := uuid.NewString()
	p, _ := json.Marshal(payload)
	_, err := f.st.Pool().Exec(context.Background(), `INSERT INTO notifications
		(notification_uuid, generated_time, source_host_uuid, failover_segment_uuid, type, payload)
		SELECT $1, now(), uuid, failover_segment_id, $3, $4 FROM hosts WHERE uuid = $2`, id, host, typ, p)
	require.NoError(f.t, err)
	return id
}

func (f *fixture) status(notif string) (string, string) {
	f.t.Helper()
	var s, m string
	require.NoError(f.t, f.st.Pool().QueryRow(context.Background(),
		`SELECT status, COALESCE(message, '') FROM notifications WHERE notification_uuid = $1`, notif).Scan(&s, &m))
	return s, m
}

var stopped = map[string]string{"event": "STOPPED", "host_status": "NORMAL", "cluster_status": "OFFLINE"}

func TestRecoveryCreateFromNew(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t)
	seg := f.segment(true)
	h1 := f.host(seg, "compute-1")
	n1 := f.notification(h1, "COMPUTE_HOST", stopped)
	// A second report of the same host (outside the API's dedup) must not
	// start a second host recovery: invariant 2.
	n2 := f.notification(h1, "COMPUTE_HOST", map[string]string{"event": "STOPPED", "host_status": "UNKNOWN"})
	require.NoError(t, f.st.NotificationObserverAdd(ctx, &store.Observer{NotificationUUID: n2, EventID: "ev-2", Observer: "compute-3", Monitor: "hostmonitor"}))
	// A VM failure on the same host is its own recovery.
	n3 := f.notification(h1, "VM", map[string]string{"event": "LIFECYCLE", "vir_domain_event": "STOPPED_FAILED", "instance_uuid": uuid.NewString()})
	// A disabled segment's notifications are ignored, as in Masakari.
	off := f.segment(false)
	n4 := f.notification(f.host(off, "compute-9"), "COMPUTE_HOST", stopped)

	res, err := f.st.RecoveryCreateFromNew(ctx, 10)
	require.NoError(t, err)
	require.Len(t, res, 4)

	s, _ := f.status(n1)
	require.Equal(t, "running", s)
	s, m := f.status(n2)
	require.Equal(t, "ignored", s)
	require.Contains(t, m, n1)
	obs, err := f.st.NotificationObservers(ctx, n1)
	require.NoError(t, err)
	require.Len(t, obs, 1, "the merged report's observer is kept as evidence of the active recovery")
	require.Equal(t, "compute-3", obs[0].Observer)
	s, _ = f.status(n3)
	require.Equal(t, "running", s)
	s, m = f.status(n4)
	require.Equal(t, "ignored", s)
	require.Contains(t, m, "disabled")

	// Nothing is left to take.
	res, err = f.st.RecoveryCreateFromNew(ctx, 10)
	require.NoError(t, err)
	require.Empty(t, res)
}

func TestRecoveryClaimIsExclusive(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t)
	seg := f.segment(true)
	const n = 40
	for i := range n {
		f.notification(f.host(seg, "c-"+uuid.NewString()[:8]+"-"+string(rune('a'+i%26))), "COMPUTE_HOST", stopped)
	}
	_, err := f.st.RecoveryCreateFromNew(ctx, 100)
	require.NoError(t, err)

	var mu sync.Mutex
	seen := map[string]string{}
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			owner := "engine-" + string(rune('0'+w))
			for {
				got, err := f.st.RecoveryClaim(ctx, &store.RecoveryClaimParams{Owner: owner, TTL: time.Minute, Limit: 3})
				if err != nil {
					t.Error(err)
					return
				}
				if len(got) == 0 {
					return
				}
				mu.Lock()
				for _, r := range got {
					if prev, ok := seen[r.UUID]; ok {
						t.Errorf("recovery %s claimed by %s and %s", r.UUID, prev, owner)
					}
					seen[r.UUID] = owner
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	require.Len(t, seen, n)
}

func expireLease(t *testing.T, st *store.Store, recovery string) {
	t.Helper()
	_, err := st.Pool().Exec(context.Background(),
		`UPDATE recoveries SET lease_expires_at = now() - interval '1 second' WHERE uuid = $1`, recovery)
	require.NoError(t, err)
}

// TestPausedOwnerCannotCheckpoint is invariant 2: once a lease moved on, the
// old owner's journal writes (and so its next side effects) are refused.
func TestPausedOwnerCannotCheckpoint(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t)
	seg := f.segment(true)
	f.notification(f.host(seg, "compute-1"), "COMPUTE_HOST", stopped)
	_, err := f.st.RecoveryCreateFromNew(ctx, 1)
	require.NoError(t, err)

	a, err := f.st.RecoveryClaim(ctx, &store.RecoveryClaimParams{Owner: "A", TTL: time.Minute, Limit: 1})
	require.NoError(t, err)
	require.Len(t, a, 1)
	leaseA := a[0].Lease
	require.NoError(t, f.st.StepAppend(ctx, leaseA, store.StepEntry{Name: "fence", Phase: store.StepPhaseIntent, State: store.StepStateRunning}))

	// B cannot claim while A's lease is live.
	b, err := f.st.RecoveryClaim(ctx, &store.RecoveryClaimParams{Owner: "B", TTL: time.Minute, Limit: 1})
	require.NoError(t, err)
	require.Empty(t, b)

	// A pauses past its lease; B takes over with a higher epoch.
	expireLease(t, f.st, leaseA.RecoveryUUID)
	b, err = f.st.RecoveryClaim(ctx, &store.RecoveryClaimParams{Owner: "B", TTL: time.Minute, Limit: 1})
	require.NoError(t, err)
	require.Len(t, b, 1)
	require.Equal(t, leaseA.Epoch+1, b[0].Lease.Epoch)

	err = f.st.StepAppend(ctx, leaseA, store.StepEntry{Name: "fence", Phase: store.StepPhaseResult, State: store.StepStateSuccess})
	require.ErrorIs(t, err, store.ErrLeaseLost)
	_, err = f.st.RecoveryLeaseRenew(ctx, leaseA, time.Minute)
	require.ErrorIs(t, err, store.ErrLeaseLost)
	require.ErrorIs(t, f.st.RecoveryFinish(ctx, leaseA, "finished", ""), store.ErrLeaseLost)

	require.NoError(t, f.st.StepAppend(ctx, b[0].Lease, store.StepEntry{Name: "fence", Phase: store.StepPhaseResult, State: store.StepStateSuccess}))
	steps, err := f.st.RecoverySteps(ctx, leaseA.RecoveryUUID)
	require.NoError(t, err)
	require.Len(t, steps, 2, "A's late write must not be in the journal")
	require.Equal(t, leaseA.Epoch, steps[0].Epoch)
	require.Equal(t, b[0].Lease.Epoch, steps[1].Epoch)
}

func TestRecoveryHoldAndDefer(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t)
	n := f.notification(f.host(f.segment(true), "compute-1"), "COMPUTE_HOST", stopped)
	_, err := f.st.RecoveryCreateFromNew(ctx, 1)
	require.NoError(t, err)
	r, err := f.st.RecoveryClaim(ctx, &store.RecoveryClaimParams{Owner: "A", TTL: time.Minute, Limit: 1})
	require.NoError(t, err)
	require.NoError(t, f.st.RecoveryHold(ctx, r[0].Lease, "fencing failed", time.Hour))
	_, m := f.status(n)
	require.Equal(t, "Recovery held: fencing failed", m)
	got, err := f.st.RecoveryGetByNotification(ctx, n)
	require.NoError(t, err)
	require.Equal(t, store.RecoveryStateHeld, got.State)
	require.Equal(t, "fencing failed", got.HoldReason)
	// Held until the recheck time: not claimable now.
	again, err := f.st.RecoveryClaim(ctx, &store.RecoveryClaimParams{Owner: "B", TTL: time.Minute, Limit: 1})
	require.NoError(t, err)
	require.Empty(t, again)
	_, err = f.st.Pool().Exec(ctx, `UPDATE recoveries SET run_after = now() WHERE uuid = $1`, got.UUID)
	require.NoError(t, err)
	again, err = f.st.RecoveryClaim(ctx, &store.RecoveryClaimParams{Owner: "B", TTL: time.Minute, Limit: 1})
	require.NoError(t, err)
	require.Len(t, again, 1)
	require.NoError(t, f.st.RecoveryDefer(ctx, again[0].Lease, 0))
	again, err = f.st.RecoveryClaim(ctx, &store.RecoveryClaimParams{Owner: "C", TTL: time.Minute, Limit: 1})
	require.NoError(t, err)
	require.Len(t, again, 1)
	require.NoError(t, f.st.RecoveryFinish(ctx, again[0].Lease, "finished", ""))
	s, _ := f.status(n)
	require.Equal(t, "finished", s)
}

func TestRecoveryWorkflowDetails(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t)
	n := f.notification(f.host(f.segment(true), "compute-1"), "COMPUTE_HOST", stopped)
	d, err := f.st.RecoveryWorkflowDetails(ctx, n)
	require.NoError(t, err)
	require.Empty(t, d, "no recovery yet: no details")
	_, err = f.st.RecoveryCreateFromNew(ctx, 1)
	require.NoError(t, err)
	r, err := f.st.RecoveryClaim(ctx, &store.RecoveryClaimParams{Owner: "A", TTL: time.Minute, Limit: 1})
	require.NoError(t, err)
	l := r[0].Lease
	require.NoError(t, f.st.StepAppend(ctx, l,
		store.StepEntry{Name: "fence", Phase: store.StepPhaseIntent, State: store.StepStateRunning, Message: "Fencing host 'compute-1'"},
		store.StepEntry{Name: "fence", Phase: store.StepPhaseResult, State: store.StepStateSuccess, Progress: 1, Message: "Host 'compute-1' is off"},
		store.StepEntry{Name: "evacuate", Item: "i-1", Phase: store.StepPhaseResult, State: store.StepStateSuccess, Progress: 0.5, Message: "i-1 moved"},
		store.StepEntry{Name: "evacuate", Item: "i-2", Phase: store.StepPhaseResult, State: store.StepStateFailure, Progress: 1, Message: "i-2 failed"},
	))
	d, err = f.st.RecoveryWorkflowDetails(ctx, n)
	require.NoError(t, err)
	require.Equal(t, store.StepStateFailure, d[1].State, "every instance has a result, one failed")
	require.Equal(t, 1.0, d[1].Progress)
	require.NoError(t, f.st.StepAppend(ctx, l,
		store.StepEntry{Name: "evacuate", Phase: store.StepPhaseResult, State: store.StepStateSuccess, Progress: 1},
	))
	d, err = f.st.RecoveryWorkflowDetails(ctx, n)
	require.NoError(t, err)
	require.Len(t, d, 2)
	require.Equal(t, "fence", d[0].Name)
	require.Equal(t, store.StepStateSuccess, d[0].State)
	require.Equal(t, 1.0, d[0].Progress)
	require.Len(t, d[0].ProgressDetails, 2)
	require.Equal(t, "Fencing host 'compute-1'", d[0].ProgressDetails[0].Message)
	require.Equal(t, "evacuate", d[1].Name)
	require.Equal(t, store.StepStateFailure, d[1].State, "one failed instance shows in the step's state")
	require.Len(t, d[1].ProgressDetails, 2)
}

func TestLeaseAcquire(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := storetest.NewStore(t)
	e1, ok, err := st.LeaseAcquire(ctx, "leader", "A", time.Minute)
	require.NoError(t, err)
	require.True(t, ok)
	_, ok, err = st.LeaseAcquire(ctx, "leader", "B", time.Minute)
	require.NoError(t, err)
	require.False(t, ok, "B must not lead while A's lease is live")
	e2, ok, err := st.LeaseAcquire(ctx, "leader", "A", time.Minute)
	require.NoError(t, err)
	require.True(t, ok)
	require.Equal(t, e1, e2, "a renewal keeps the epoch")
	holder, err := st.LeaseHolder(ctx, "leader")
	require.NoError(t, err)
	require.Equal(t, "A", holder)
	_, err = st.Pool().Exec(ctx, `UPDATE leases SET expires_at = now() - interval '1 second'`)
	require.NoError(t, err)
	e3, ok, err := st.LeaseAcquire(ctx, "leader", "B", time.Minute)
	require.NoError(t, err)
	require.True(t, ok)
	require.Equal(t, e1+1, e3)
	require.NoError(t, st.LeaseRelease(ctx, "leader", "B"))
	holder, err = st.LeaseHolder(ctx, "leader")
	require.NoError(t, err)
	require.Empty(t, holder)
}

func TestRecoveryRetryErroredAndExpire(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t)
	n := f.notification(f.host(f.segment(true), "compute-1"), "COMPUTE_HOST", stopped)
	_, err := f.st.RecoveryCreateFromNew(ctx, 1)
	require.NoError(t, err)
	finishErr := func(owner string) {
		r, err := f.st.RecoveryClaim(ctx, &store.RecoveryClaimParams{Owner: owner, TTL: time.Minute, Limit: 1})
		require.NoError(t, err)
		require.Len(t, r, 1)
		require.NoError(t, f.st.RecoveryFinish(ctx, r[0].Lease, "error", "instance x failed"))
	}
	finishErr("A")
	retried, failed, err := f.st.RecoveryRetryErrored(ctx, 2)
	require.NoError(t, err)
	require.Equal(t, 1, retried, "the first error is retried once")
	require.Equal(t, 0, failed)
	s, _ := f.status(n)
	require.Equal(t, "running", s)
	finishErr("B")
	retried, failed, err = f.st.RecoveryRetryErrored(ctx, 2)
	require.NoError(t, err)
	require.Equal(t, 0, retried)
	require.Equal(t, 1, failed, "the second error is final")
	s, _ = f.status(n)
	require.Equal(t, "failed", s)

	// Expiry: a new notification older than the age becomes failed.
	old := f.notification(f.host(f.segment(true), "compute-2"), "COMPUTE_HOST", stopped)
	_, err = f.st.Pool().Exec(ctx, `UPDATE notifications SET generated_time = now() - interval '2 days' WHERE notification_uuid = $1`, old)
	require.NoError(t, err)
	nexp, err := f.st.RecoveryExpire(ctx, 24*time.Hour)
	require.NoError(t, err)
	require.Equal(t, 1, nexp)
	s, _ = f.status(old)
	require.Equal(t, "failed", s)
}

func TestSegmentFailureStatsSerialises(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t)
	seg := f.segment(true)
	for i := range 4 {
		f.notification(f.host(seg, "c"+string(rune('0'+i))), "COMPUTE_HOST", stopped)
	}
	_, err := f.st.RecoveryCreateFromNew(ctx, 10)
	require.NoError(t, err)
	rs, err := f.st.RecoveryClaim(ctx, &store.RecoveryClaimParams{Owner: "A", TTL: time.Minute, Limit: 10})
	require.NoError(t, err)
	require.Len(t, rs, 4)
	// Each fence intent recorded under the gate is counted by the next.
	for i, r := range rs {
		err := f.st.RecoveryTx(ctx, r.Lease, func(tx pgx.Tx) error {
			stats, err := store.RecoverySegmentFailureStatsTx(ctx, tx, seg, r.UUID, time.Hour)
			if err != nil {
				return err
			}
			if stats.Hosts != 4 || stats.Failing != 4 || stats.Fences != i {
				return errors.New("unexpected stats")
			}
			return store.StepAppendTx(ctx, tx, r.Lease, store.StepEntry{Name: "fence", Phase: store.StepPhaseIntent, State: store.StepStateRunning})
		})
		require.NoError(t, err, "recovery %d", i)
	}
}
