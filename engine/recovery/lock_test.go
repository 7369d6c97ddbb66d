package recovery_test

import (
	"context"
	"fmt"
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
	// lockedOnce and getsBeforeLock count, per instance, the GETs made
	// before Lazarus first locked it.
	lockedOnce     map[string]bool
	getsBeforeLock map[string]int
	// onLock, when set, runs after a lock took effect (without mu).
	onLock func(id string)
}

func newLockingCompute(fc *enginetest.FakeCompute) *lockingCompute {
	return &lockingCompute{FakeCompute: fc, locked: map[string]string{}, unlocks: map[string]int{},
		lockedOnce: map[string]bool{}, getsBeforeLock: map[string]int{}}
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
	if !c.lockedOnce[id] {
		c.getsBeforeLock[id]++
	}
	return c.showLock(s), err
}

// ServersOnHost shows locks in the list too, as Nova does.
func (c *lockingCompute) ServersOnHost(ctx context.Context, host string) ([]recovery.Server, error) {
	out, err := c.FakeCompute.ServersOnHost(ctx, host)
	c.mu.Lock()
	defer c.mu.Unlock()
	for i := range out {
		out[i] = c.showLock(out[i])
	}
	return out, err
}

// showLock adds the lock state to s; c.mu is held.
func (c *lockingCompute) showLock(s recovery.Server) recovery.Server {
	if reason, ok := c.locked[s.ID]; ok {
		s.Locked = true
		if c.withReason {
			s.LockedReason = reason
		}
	}
	return s
}

func (c *lockingCompute) LockServer(ctx context.Context, id, reason string) error {
	c.mu.Lock()
	c.locked[id] = reason
	c.lockedOnce[id] = true
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
	lc := newLockingCompute(b.compute)
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

	b.engineOn("survivor", 5*time.Second, lc)
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
	lc := newLockingCompute(b.compute)
	id := b.compute.AddServer("c1", "vm", "active", ha(), small)
	lc.locked[id] = "theirs"
	b.compute.KillHost("c1")
	b.engineOn("e", 5*time.Second, lc)
	n := b.notify("c1", stoppedPayload, "", nil)
	status, msg := b.waitStatus(n, "finished", "error")
	require.Equal(t, "error", status)
	require.Contains(t, msg, "not evacuated: locked by someone other than Lazarus (Nova 2.72 shows no lock reason)")
	require.Empty(t, b.compute.Evacuations()[id])
	require.Zero(t, lc.unlocks[id], "their lock is left alone")
}

// While the failed host's server list is fresh (younger than
// verify_interval), lock decides on it: no instance is read again before
// it is locked, a lock someone else set that the list shows is still
// respected, and the instances are evacuated once and unlocked.
func TestLockDecidesOnTheFreshHostList(t *testing.T) {
	t.Parallel()
	b := setup(t, recovery.MethodAuto)
	b.cfg.VerifyInterval = 2 * time.Second
	for _, h := range []string{"c1", "c2", "c3"} {
		b.addHost(h, false)
	}
	lc := newLockingCompute(b.compute)
	lc.withReason = true
	var ours []string
	for i := range 3 {
		ours = append(ours, b.compute.AddServer("c1", fmt.Sprintf("vm%d", i), "active", ha(), small))
	}
	theirs := b.compute.AddServer("c1", "theirs", "active", ha(), small)
	lc.locked[theirs] = "ops: disk check"
	b.compute.KillHost("c1")
	b.engineOn("e", 5*time.Second, lc)
	n := b.notify("c1", stoppedPayload, "", nil)
	status, msg := b.waitStatus(n, "finished", "error")
	require.Equal(t, "error", status, "their instance stays down")
	require.Contains(t, msg, `locked by someone other than Lazarus (locked_reason "ops: disk check")`)
	require.Empty(t, b.compute.Evacuations()[theirs])
	require.Equal(t, "ops: disk check", lc.locked[theirs], "their lock is left alone")
	lc.mu.Lock()
	defer lc.mu.Unlock()
	for _, id := range ours {
		require.Len(t, b.compute.Evacuations()[id], 1, id)
		require.Zero(t, lc.getsBeforeLock[id], "%s was read again before its lock: the fresh host list says all lock needs", id)
		require.Equal(t, 1, lc.unlocks[id], id)
	}
}

// The confirm polls of a recovery's instances go in rounds: with six
// instances in flight to two targets for a while, Nova is asked for the
// hosts' changed servers, not for each instance every verify_interval.
func TestConfirmPollsInRounds(t *testing.T) {
	t.Parallel()
	b := setup(t, recovery.MethodAuto)
	b.cfg.VerifyInterval = 20 * time.Millisecond
	b.compute.EvacuateDelay = 400 * time.Millisecond
	for _, h := range []string{"c1", "c2", "c3"} {
		b.addHost(h, false)
	}
	var ids []string
	for i := range 6 {
		ids = append(ids, b.compute.AddServer("c1", fmt.Sprintf("vm%d", i), "active", ha(), small))
	}
	b.compute.KillHost("c1")
	b.engine("e", 5*time.Second)
	n := b.notify("c1", stoppedPayload, "", nil)
	status, msg := b.waitStatus(n, "finished", "error")
	require.Equal(t, "finished", status, msg)
	for _, id := range ids {
		require.Len(t, b.compute.Evacuations()[id], 1, id)
	}
	gets, lists := b.compute.Reads()
	// One GET per instance per 20 ms over 400 ms would be at least 6×19;
	// in rounds, the GETs are the locks' reads at most (one each).
	require.Positive(t, lists, "confirm listed the hosts' changed servers")
	require.LessOrEqual(t, gets, len(ids), "confirm polled each instance on its own (%d GETs, %d lists)", gets, lists)
}
