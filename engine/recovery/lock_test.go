package recovery_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/lazarus-ha/lazarus/engine/enginetest"
	"github.com/lazarus-ha/lazarus/engine/recovery"
	"github.com/lazarus-ha/lazarus/engine/workflow"
	"github.com/lazarus-ha/lazarus/store"
)

// lockingCompute is the fake Nova with locks, at a microversion without
// lock reasons (2.72) unless withReason: then Nova cannot tell whose lock
// it is.
type lockingCompute struct {
	*enginetest.FakeCompute
	withReason bool
	mu         sync.Mutex
	locked     map[string]string // id -> reason
	unlocks    map[string]int
	// onLock, when set, runs after a lock took effect (without mu).
	onLock func(id string)
}

func (c *lockingCompute) Features() recovery.NovaFeatures {
	if c.withReason {
		return recovery.NovaFeatures{Microversion: "2.95", LockReason: true, EvacuateStopsInstance: true}
	}
	return recovery.NovaFeatures{Microversion: "2.72"}
}

func (c *lockingCompute) Server(ctx context.Context, id string) (recovery.Server, error) {
	s, err := c.FakeCompute.Server(ctx, id)
	c.mu.Lock()
	defer c.mu.Unlock()
	if reason, ok := c.locked[id]; ok {
		s.Locked = true
		if c.withReason {
			s.LockedReason = reason
		}
	}
	return s, err
}

func (c *lockingCompute) LockServer(ctx context.Context, id, reason string) error {
	c.mu.Lock()
	c.locked[id] = reason
	hook := c.onLock
	c.mu.Unlock()
	if hook != nil {
		hook(id)
		return ctx.Err()
	}
	return nil
}

func (c *lockingCompute) UnlockServer(_ context.Context, id string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.locked, id)
	c.unlocks[id]++
	return nil
}

// An engine that dies right after locking an instance (before journaling
// the lock) leaves it locked; below 2.73 Nova shows no reason. The
// resumed recovery must know the lock is its own (the journaled intent),
// evacuate the instance once and unlock it — not skip it as someone
// else's.
func TestResumeKnowsItsOwnLockWithoutReason(t *testing.T) {
	t.Parallel()
	b := setup(t, recovery.MethodAuto)
	b.cfg.Threads = 1
	for _, h := range []string{"c1", "c2"} {
		b.addHost(h, false)
	}
	lc := &lockingCompute{FakeCompute: b.compute, locked: map[string]string{}, unlocks: map[string]int{}}
	id := b.compute.AddServer("c1", "vm", "active", ha(), small)
	b.compute.KillHost("c1")
	n := b.notify("c1", stoppedPayload, "", nil)
	ctx := context.Background()
	_, err := b.st.RecoveryCreateFromNew(ctx, 10)
	require.NoError(t, err)
	claimed, err := b.st.RecoveryClaim(ctx, &store.RecoveryClaimParams{Owner: "doomed", TTL: time.Second, Limit: 1})
	require.NoError(t, err)
	require.Len(t, claimed, 1)
	crashCtx, crash := context.WithCancel(ctx)
	lc.onLock = func(string) { crash() }
	_, herr := recovery.New(b.cfg, lc, b.fencer, nil, nil, nil).Handle(crashCtx, workflow.NewJob(b.st, claimed[0], nil, time.Second, enginetest.Logger(t)))
	require.Error(t, herr)
	lc.onLock = nil
	require.Contains(t, lc.locked, id, "the doomed engine's lock stays")
	require.Empty(t, b.compute.Evacuations()[id])

	fl := recovery.New(b.cfg, lc, b.fencer, b.confirm, nil, b.metrics)
	r := workflow.New(b.st, workflow.Config{Owner: "survivor", LeaseTTL: 5 * time.Second, PollInterval: 20 * time.Millisecond, Workers: 2,
		ErrorBackoff: 50 * time.Millisecond}, fl.Handle, enginetest.Logger(t), b.metrics)
	require.NoError(t, r.Start(ctx))
	t.Cleanup(r.Stop)
	status, msg := b.waitStatus(n, "finished", "error")
	require.Equal(t, "finished", status, msg)
	require.Len(t, b.compute.Evacuations()[id], 1)
	require.NotContains(t, lc.locked, id, "unlocked at the end")
	require.Equal(t, 1, lc.unlocks[id])
}

// Someone else's lock, shown without a reason below 2.73, is respected.
func TestForeignLockWithoutReasonIsRespected(t *testing.T) {
	t.Parallel()
	b := setup(t, recovery.MethodAuto)
	for _, h := range []string{"c1", "c2"} {
		b.addHost(h, false)
	}
	lc := &lockingCompute{FakeCompute: b.compute, locked: map[string]string{}, unlocks: map[string]int{}}
	id := b.compute.AddServer("c1", "vm", "active", ha(), small)
	lc.locked[id] = "theirs"
	b.compute.KillHost("c1")
	fl := recovery.New(b.cfg, lc, b.fencer, b.confirm, nil, b.metrics)
	r := workflow.New(b.st, workflow.Config{Owner: "e", LeaseTTL: 5 * time.Second, PollInterval: 20 * time.Millisecond, Workers: 2,
		ErrorBackoff: 50 * time.Millisecond}, fl.Handle, enginetest.Logger(t), b.metrics)
	require.NoError(t, r.Start(context.Background()))
	t.Cleanup(r.Stop)
	n := b.notify("c1", stoppedPayload, "", nil)
	status, msg := b.waitStatus(n, "finished", "error")
	require.Equal(t, "error", status)
	require.Contains(t, msg, "not evacuated: locked by someone other than Lazarus (Nova 2.72 shows no lock reason)")
	require.Empty(t, b.compute.Evacuations()[id])
	require.Zero(t, lc.unlocks[id], "their lock is left alone")
}
