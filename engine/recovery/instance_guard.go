package recovery

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/lazarus-ha/lazarus/engine/workflow"
	"github.com/lazarus-ha/lazarus/store"
)

// lockPrefix starts every locked_reason Lazarus sets; a lock with another
// reason (or none, without a journaled lock intent) is someone else's.
const lockPrefix = "Lazarus:"

// lockReason names Lazarus and the notification, as Nova shows it to
// users of the locked instance (microversion 2.73).
func lockReason(r *store.Recovery) string {
	return fmt.Sprintf("%s evacuating from failed host %s (notification %s)", lockPrefix, r.HostName, r.NotificationUUID)
}

// ownLock reports whether a lock with this reason was set by Lazarus.
func ownLock(reason string) bool { return strings.HasPrefix(reason, lockPrefix) }

// arrived reports whether an idle server on another host is where its
// evacuation ends: ACTIVE, or stopped (as it was, or because Nova >= 2.95
// leaves every evacuated instance stopped: powerOn then starts it).
func arrived(srv Server, s selected) bool {
	return srv.VMState == "active" || srv.VMState == "stopped" || srv.VMState == s.VMState
}

// instance guards one instance's evacuation: it locks the instance (with
// a reason naming Lazarus and the notification) so that no user action
// races the evacuation, evacuates and confirms it (one), starts it when
// Nova left it stopped although it ran before the failure (powerOn), and
// unlocks it. A lock Lazarus did not set is respected: the instance is not
// evacuated, and the reason is journaled and on its vmove. A lost lease
// or shutdown returns an error and leaves the lock: the resumed recovery
// recognises its own lock and goes on.
func (ev *evacuation) instance(ctx context.Context, s selected) (instanceResult, error) {
	job := ev.job
	locked, res, skip, err := ev.lock(ctx, s)
	if err != nil || skip {
		return res, err
	}
	if err := ev.awaitPlacer(ctx); err != nil {
		return res, err
	}
	res, err = ev.one(ctx, s)
	if err != nil {
		return res, err
	}
	if res.status == "succeeded" {
		if res, err = ev.powerOn(ctx, s, res); err != nil {
			return res, err
		}
	}
	if locked && !job.Succeeded("unlock", s.ID) {
		if err := ev.unlock(ctx, s.ID); err != nil {
			return res, err
		}
	}
	return res, nil
}

// lock locks the instance unless it is done already. skip is true (with
// the journaled result) when someone else holds a lock on it.
func (ev *evacuation) lock(ctx context.Context, s selected) (locked bool, res instanceResult, skip bool, err error) {
	fl, job, r := ev.fl, ev.job, ev.job.Recovery
	locker, ok := fl.compute.(Locker)
	if !ok {
		return false, res, false, nil
	}
	if job.Succeeded("lock", s.ID) {
		return true, res, false, nil
	}
	if job.Succeeded("evacuate", s.ID) {
		return false, res, false, nil
	}
	feat := fl.features()
	listed, ok := ev.listedReading(s.ID)
	srv, readAt := listed.srv, listed.at
	if !ok {
		readAt = time.Now()
		if srv, err = fl.compute.Server(ctx, s.ID); err != nil {
			// one reads it again and handles a missing or unreadable server.
			return false, res, false, ctxErr(ctx, nil)
		}
	}
	ours := hadStep(job, "lock", s.ID, store.StepPhaseIntent) // locked by us just before a crash
	if srv.Locked && !ours && !(feat.LockReason && ownLock(srv.LockedReason)) {
		why := "locked by someone other than Lazarus"
		if srv.LockedReason != "" {
			why += fmt.Sprintf(" (locked_reason %q)", srv.LockedReason)
		} else if !feat.LockReason {
			why += fmt.Sprintf(" (Nova %s shows no lock reason)", feat.Microversion)
		}
		msg := "not evacuated: " + why + "; unlock it and evacuate it by hand, or retry the notification"
		res, err := ev.recordSkip(ctx, s.ID, msg)
		return false, res, true, err
	}
	if !srv.Locked {
		if !feat.LockReason {
			// Without a reason Nova cannot tell our lock from another:
			// journal the intent first, so a resumed recovery knows.
			if err := job.Checkpoint(ctx, store.StepEntry{Name: "lock", Item: s.ID, Phase: store.StepPhaseIntent, State: store.StepStateRunning,
				Message: fmt.Sprintf("Locking instance '%s'", s.ID)}); err != nil {
				return false, res, false, err
			}
		}
		if err := job.Valid(); err != nil {
			return false, res, false, err
		}
		if err := locker.LockServer(ctx, s.ID, lockReason(r)); err != nil {
			if ctx.Err() != nil {
				return false, res, false, context.Cause(ctx)
			}
			// Not fatal: the evacuation itself does not need the lock.
			job.Log.WarnContext(ctx, "cannot lock instance; evacuating it unlocked", "instance", s.ID, "err", err)
			return false, res, false, job.Checkpoint(ctx, store.StepEntry{Name: "lock", Item: s.ID, Phase: store.StepPhaseResult,
				State: store.StepStateFailure, Message: fmt.Sprintf("Could not lock instance '%s' (evacuating it unlocked): %v", s.ID, err)})
		}
		srv.Locked = true
		if feat.LockReason {
			srv.LockedReason = lockReason(r)
		}
		ev.remember(srv, readAt)
	}
	return true, res, false, job.Checkpoint(ctx, store.StepEntry{Name: "lock", Item: s.ID, Phase: store.StepPhaseResult,
		State: store.StepStateSuccess, Message: fmt.Sprintf("Locked instance '%s': %s", s.ID, lockReason(r)),
		Detail: map[string]any{"locked_reason": lockReason(r)}})
}

// unlock lifts Lazarus's lock. A failure is journaled, not fatal: the
// instance is safe, only locked.
func (ev *evacuation) unlock(ctx context.Context, id string) error {
	job := ev.job
	locker := ev.fl.compute.(Locker)
	if err := job.Valid(); err != nil {
		return err
	}
	if err := locker.UnlockServer(ctx, id); err != nil && !errors.Is(err, ErrNotFound) {
		if ctx.Err() != nil {
			return context.Cause(ctx)
		}
		job.Log.WarnContext(ctx, "cannot unlock instance", "instance", id, "err", err)
		return job.Checkpoint(ctx, store.StepEntry{Name: "unlock", Item: id, Phase: store.StepPhaseResult, State: store.StepStateFailure,
			Message: fmt.Sprintf("Could not unlock instance '%s' (it stays locked by Lazarus): %v", id, err)})
	}
	return job.Checkpoint(ctx, store.StepEntry{Name: "unlock", Item: id, Phase: store.StepPhaseResult, State: store.StepStateSuccess,
		Message: fmt.Sprintf("Unlocked instance '%s'", id)})
}

// recordSkip journals an instance left alone and fails its vmove with the
// reason: an HA instance is still down, so the notification ends in error.
func (ev *evacuation) recordSkip(ctx context.Context, id, reason string) (instanceResult, error) {
	r := ev.job.Recovery
	msg := fmt.Sprintf("Instance '%s' on host '%s' %s", id, r.HostName, reason)
	err := ev.ledger().updateVMove(ctx, id, "failed", "", msg, store.StepEntry{Name: "evacuate", Item: id, Phase: store.StepPhaseResult, State: store.StepStateSkipped, Progress: 1, Message: msg})
	if err != nil {
		return instanceResult{}, err
	}
	ev.job.Log.WarnContext(ctx, "instance not evacuated", "instance", id, "reason", reason)
	return instanceResult{id: id, status: "failed", reason: reason}, nil
}

// hadStep reports whether the journal has an entry of step name for item
// in phase.
func hadStep(job *workflow.Job, name, item, phase string) bool {
	for _, e := range job.Journal() {
		if e.Name == name && e.Item == item && e.Phase == phase {
			return true
		}
	}
	return false
}

// powerOn starts an evacuated instance that ran before the failure but
// arrived stopped (Nova >= 2.95 stops every evacuated instance), and
// confirms it ACTIVE. Instances stopped before the failure stay stopped.
// The start is journaled and on the vmove; a start that fails or does not
// reach ACTIVE in time fails the instance with the reason (it is
// evacuated, safe, but not running).
func (ev *evacuation) powerOn(ctx context.Context, s selected, res instanceResult) (instanceResult, error) {
	fl, job := ev.fl, ev.job
	if s.VMState != "active" {
		return res, nil
	}
	if e, ok := job.Result("start", s.ID); ok {
		if e.State == store.StepStateFailure {
			res.status, res.reason = "failed", e.Message
		}
		return res, nil
	}
	// confirm's last reading, when it is recent, says what a new one would.
	srv, ok := ev.recall(s.ID)
	if !ok {
		var err error
		if srv, err = fl.compute.Server(ctx, s.ID); err != nil {
			if errors.Is(err, ErrNotFound) {
				return res, nil
			}
			return res, ctxErr(ctx, fmt.Errorf("read server %s after evacuation: %w", s.ID, err))
		}
	}
	if srv.VMState == "active" && srv.TaskState == "" {
		return res, nil // kept running (Nova < 2.95)
	}
	why := "it ran before the failure"
	if fl.features().EvacuateStopsInstance {
		why += fmt.Sprintf("; Nova %s leaves evacuated instances stopped", fl.features().Microversion)
	}
	if srv.VMState == "stopped" && srv.TaskState == "" {
		// Re-read just now: not starting already, so one start call.
		if err := job.Valid(); err != nil {
			return res, err
		}
		if err := fl.compute.StartServer(ctx, s.ID); err != nil && !errors.Is(err, ErrConflict) {
			if ctx.Err() != nil {
				return res, context.Cause(ctx)
			}
			return ev.recordStart(ctx, s, res, false, fmt.Sprintf("start refused by Nova: %v", err))
		}
	}
	deadline := time.Now().Add(fl.cfg.WaitAfterEvacuation)
	for {
		if err := sleep(ctx, fl.cfg.VerifyInterval); err != nil {
			return res, err
		}
		srv, err := fl.compute.Server(ctx, s.ID)
		if err == nil && srv.TaskState == "" {
			switch srv.VMState {
			case "active":
				return ev.recordStart(ctx, s, res, true, why)
			case "error":
				return ev.recordStart(ctx, s, res, false, "the instance went to ERROR while starting")
			case "stopped":
				if time.Now().After(deadline) {
					break
				}
				continue
			}
		} else if ctx.Err() != nil {
			return res, context.Cause(ctx)
		}
		if time.Now().After(deadline) {
			return ev.recordStart(ctx, s, res, false, fmt.Sprintf("not ACTIVE %s after the start (vm_state %s, task_state %q)",
				fl.cfg.WaitAfterEvacuation, srv.VMState, srv.TaskState))
		}
	}
}

// recordStart journals the start's outcome and puts it on the vmove.
func (ev *evacuation) recordStart(ctx context.Context, s selected, res instanceResult, ok bool, why string) (instanceResult, error) {
	r := ev.job.Recovery
	state, status := store.StepStateSuccess, "succeeded"
	msg := fmt.Sprintf("Successfully evacuated instance '%s' from host '%s' to '%s' and started it (%s)", s.ID, r.HostName, res.dest, why)
	if !ok {
		state, status = store.StepStateFailure, "failed"
		msg = fmt.Sprintf("Evacuated instance '%s' from host '%s' to '%s' but could not start it: %s", s.ID, r.HostName, res.dest, why)
		ev.fl.metrics.Evacuation("start_failed")
	}
	err := ev.ledger().updateVMove(ctx, s.ID, status, res.dest, msg, store.StepEntry{Name: "start", Item: s.ID, Phase: store.StepPhaseResult, State: state, Progress: 1, Message: msg,
		Detail: map[string]any{"dest": res.dest}})
	if err != nil {
		return res, err
	}
	if !ok {
		ev.job.Log.WarnContext(ctx, "evacuated instance not started", "instance", s.ID, "reason", why)
		res.status, res.reason = "failed", "evacuated to "+res.dest+" but could not start it: "+why
	}
	return res, nil
}
