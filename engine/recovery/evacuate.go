package recovery

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/lazarus-ha/lazarus/engine/workflow"
	"github.com/lazarus-ha/lazarus/store"
)

// evacuation is one host recovery's evacuate step.
type evacuation struct {
	fl  *Flows
	job *workflow.Job
	// placer is set before placed is closed; read it only after.
	placer *Placer
	placed chan struct{}

	mu       sync.Mutex
	reserved map[string]*sync.Once
	resErr   map[string]error
}

// awaitPlacer waits until the recovery's targets are known.
func (ev *evacuation) awaitPlacer(ctx context.Context) error {
	select {
	case <-ev.placed:
	case <-ctx.Done():
		return context.Cause(ctx)
	}
	if ev.placer == nil {
		return ctxErr(ctx, errors.New("no placer")) // newPlacer failed: ctx is ended with its error
	}
	return nil
}

// hadIntent reports whether an earlier run journaled an evacuate intent
// for the instance: then Nova may already be acting on it.
func hadIntent(job *workflow.Job, id string) bool {
	for _, e := range job.Journal() {
		if e.Name == "evacuate" && e.Item == id && e.Phase == store.StepPhaseIntent {
			return true
		}
	}
	return false
}

// evacuationPending reports whether Nova has an evacuation of the instance
// off failedHost, created since since, that is in flight or finished: then
// the instance is moving or has moved, and must not be evacuated again.
// Only a failed, errored or cancelled one leaves it free to retry.
func evacuationPending(migs []Migration, failedHost string, since time.Time) bool {
	for _, m := range migs {
		if m.Type != "evacuation" || m.SourceCompute != failedHost || m.CreatedAt.Before(since) {
			continue
		}
		switch m.Status {
		case "failed", "error", "cancelled":
		default:
			return true
		}
	}
	return false
}

// one evacuates and confirms one instance. The returned error is only for
// a lost lease or shutdown; an instance that cannot be evacuated is a
// result with status failed.
func (ev *evacuation) one(ctx context.Context, s selected) (instanceResult, error) {
	fl, job, r := ev.fl, ev.job, ev.job.Recovery
	if e, ok := job.Result("evacuate", s.ID); ok && e.State == store.StepStateSuccess {
		return instanceResult{id: s.ID, status: "succeeded"}, nil
	}
	flavor := ev.placer.flavorOf(s)
	tried := map[string]bool{}
	// slot is the target whose evacuation slot this instance holds, from
	// pick until its evacuation is confirmed, failed or given up.
	var slot *Target
	free := func() {
		if slot != nil {
			fl.limit.release(slot.Name)
			slot = nil
		}
	}
	defer free()
	var lastReason string
	checkNova := hadIntent(job, s.ID)
	for attempt := 1; ; attempt++ {
		// Re-read Nova before any (re-)issue: the instance may have moved
		// already, or an evacuation may be in flight (invariant 3).
		srv, err := fl.compute.Server(ctx, s.ID)
		if errors.Is(err, ErrNotFound) {
			return ev.record(ctx, s.ID, store.StepStateSkipped, "ignored", "", "instance no longer exists")
		}
		if err != nil {
			if ctx.Err() != nil {
				return instanceResult{}, context.Cause(ctx)
			}
			lastReason = "read server: " + err.Error()
			if attempt > fl.cfg.EvacuateAttempts {
				return ev.record(ctx, s.ID, store.StepStateFailure, "failed", "", lastReason)
			}
			if err := sleep(ctx, fl.cfg.VerifyInterval); err != nil {
				return instanceResult{}, err
			}
			continue
		}
		inFlight := srv.TaskState != ""
		if !inFlight && checkNova && srv.Host == r.HostName {
			migs, err := fl.compute.Migrations(ctx, s.ID)
			if err != nil {
				return instanceResult{}, ctxErr(ctx, fmt.Errorf("read migrations of %s: %w", s.ID, err))
			}
			// Not only in-flight evacuations: one Nova finished ("done")
			// between our server read and this migrations read has landed
			// elsewhere, and a second call would start the instance twice.
			inFlight = evacuationPending(migs, r.HostName, r.CreatedAt.Add(-time.Minute))
		}
		checkNova = true
		var target *Target
		if srv.Host == r.HostName && !inFlight {
			if attempt > fl.cfg.EvacuateAttempts {
				return ev.record(ctx, s.ID, store.StepStateFailure, "failed", "", fmt.Sprintf("gave up after %d attempts: %s", fl.cfg.EvacuateAttempts, lastReason))
			}
			t, waited, err := ev.pick(ctx, flavor, tried)
			if err != nil {
				return instanceResult{}, err
			}
			if t != nil && waited {
				// Waiting for a slot may have taken long: read Nova
				// again before acting on the old reading.
				if srv, err = fl.compute.Server(ctx, s.ID); err != nil || srv.Host != r.HostName || srv.TaskState != "" {
					fl.limit.release(t.Name)
					ev.placer.Release(t, flavor)
					continue
				}
			}
			slot = t
			if t == nil {
				reason := ev.placer.noTarget(flavor)
				if lastReason != "" {
					reason += "; last attempt: " + lastReason
				}
				return ev.record(ctx, s.ID, store.StepStateFailure, "failed", "", reason)
			}
			target = t
			if t.Reserved {
				if err := ev.useReserved(ctx, t); err != nil {
					if ctx.Err() != nil || errors.Is(err, store.ErrLeaseLost) {
						return instanceResult{}, ctxErr(ctx, err)
					}
					ev.placer.Release(t, flavor)
					free()
					tried[t.Name] = true
					lastReason = err.Error()
					continue
				}
			}
			err = job.Tx(ctx, func(tx pgx.Tx) error {
				return store.VMoveUpdateTx(ctx, tx, r.NotificationUUID, s.ID, "ongoing", t.Name, "")
			}, store.StepEntry{Name: "evacuate", Item: s.ID, Phase: store.StepPhaseIntent, State: store.StepStateRunning, Progress: 0.5,
				Message: fmt.Sprintf("Evacuation of instance started: '%s' to '%s'", s.ID, t.Name),
				Detail:  map[string]any{"target": t.Name, "attempt": attempt}})
			if err != nil {
				return instanceResult{}, err
			}
			if err := job.Valid(); err != nil {
				return instanceResult{}, err
			}
			if err := fl.compute.Evacuate(ctx, s.ID, t.Name); err != nil {
				if ctx.Err() != nil {
					return instanceResult{}, context.Cause(ctx)
				}
				fl.metrics.Evacuation("retried")
				ev.placer.Release(t, flavor)
				free()
				tried[t.Name] = true
				lastReason = fmt.Sprintf("evacuate to %s: %v", t.Name, err)
				job.Log.WarnContext(ctx, "evacuate call failed", "instance", s.ID, "target", t.Name, "attempt", attempt, "err", err)
				continue
			}
		}
		// Confirm: ACTIVE (or its original state) on another host.
		srv, ok, reason, err := ev.confirm(ctx, s)
		free()
		if err != nil {
			return instanceResult{}, err
		}
		if ok {
			if s.VMState == "stopped" && srv.VMState == "active" {
				// Masakari keeps a stopped instance stopped after evacuation.
				if err := fl.compute.StopServer(ctx, s.ID); err != nil && !errors.Is(err, ErrConflict) {
					job.Log.WarnContext(ctx, "stop evacuated instance", "instance", s.ID, "err", err)
				}
			}
			fl.metrics.Evacuation("succeeded")
			return ev.record(ctx, s.ID, store.StepStateSuccess, "succeeded", srv.Host,
				fmt.Sprintf("Successfully evacuated instance '%s' from host '%s' to '%s'", s.ID, r.HostName, srv.Host))
		}
		lastReason = reason
		if target != nil {
			ev.placer.Release(target, flavor)
			tried[target.Name] = true
		}
		if srv.Host != r.HostName || strings.HasPrefix(reason, "timed out") {
			// It left the failed host but not into a good state, or it may
			// still land: evacuating again could start it twice.
			fl.metrics.Evacuation("failed")
			return ev.record(ctx, s.ID, store.StepStateFailure, "failed", srv.Host, reason)
		}
		fl.metrics.Evacuation("retried")
	}
}

// pick chooses a target for f, not in tried, with room (Placer) and a free
// evacuation slot (evacLimiter), and takes both. When every fitting target,
// or the engine, has its share of evacuations in flight, it waits for one
// to end; waited says it did. t is nil when no target fits at all.
func (ev *evacuation) pick(ctx context.Context, f Flavor, tried map[string]bool) (t *Target, waited bool, err error) {
	lim := ev.fl.limit
	for {
		freed := lim.changed()
		exclude := maps.Clone(tried)
		busy := false
	candidates:
		for {
			t, ok := ev.placer.Pick(f, exclude)
			if !ok {
				break
			}
			switch lim.try(t.Name) {
			case admitted:
				return t, waited, nil
			case targetFull:
				ev.placer.Release(t, f)
				exclude[t.Name] = true
				busy = true
			case engineFull:
				ev.placer.Release(t, f)
				busy = true
				break candidates
			}
		}
		if !busy {
			return nil, waited, nil
		}
		select {
		case <-freed:
			waited = true
		case <-ctx.Done():
			return nil, waited, context.Cause(ctx)
		}
	}
}

// confirm polls the server every VerifyInterval until it is idle on
// another host in ACTIVE or its original state (ok), or idle back on the
// failed host or in ERROR (not ok, with the reason), or the evacuation
// timeout passes.
func (ev *evacuation) confirm(ctx context.Context, s selected) (Server, bool, string, error) {
	fl, failed := ev.fl, ev.job.Recovery.HostName
	deadline := time.Now().Add(fl.cfg.WaitAfterEvacuation)
	var last Server
	for {
		srv, err := fl.compute.Server(ctx, s.ID)
		if err == nil {
			last = srv
			if srv.TaskState == "" {
				switch {
				case srv.Host != failed && arrived(srv, s):
					return srv, true, "", nil
				case srv.VMState == "error":
					return srv, false, fmt.Sprintf("instance went to ERROR on host %s", srv.Host), nil
				case srv.Host == failed:
					return srv, false, "evacuation ended with the instance still on the failed host", nil
				}
			}
		} else if ctx.Err() != nil {
			return last, false, "", context.Cause(ctx)
		}
		if time.Now().After(deadline) {
			return last, false, fmt.Sprintf("timed out after %s waiting for the instance to become ACTIVE elsewhere (vm_state %s, task_state %q, host %s)",
				fl.cfg.WaitAfterEvacuation, last.VMState, last.TaskState, last.Host), nil
		}
		if err := sleep(ctx, fl.cfg.VerifyInterval); err != nil {
			return last, false, "", err
		}
	}
}

// record journals an instance's result with its vmoves row.
func (ev *evacuation) record(ctx context.Context, id, state, status, dest, msg string) (instanceResult, error) {
	r := ev.job.Recovery
	reason := msg
	if state == store.StepStateFailure {
		msg = fmt.Sprintf("Failed to evacuate instance '%s' from host '%s': %s", id, r.HostName, msg)
	}
	err := ev.job.Tx(ctx, func(tx pgx.Tx) error {
		return store.VMoveUpdateTx(ctx, tx, r.NotificationUUID, id, status, dest, msg)
	}, store.StepEntry{Name: "evacuate", Item: id, Phase: store.StepPhaseResult, State: state, Progress: 1, Message: msg,
		Detail: map[string]any{"dest": dest}})
	if err != nil {
		return instanceResult{}, err
	}
	if state == store.StepStateFailure {
		ev.job.Log.WarnContext(ctx, "instance not evacuated", "instance", id, "reason", msg)
	}
	return instanceResult{id: id, status: status, dest: dest, reason: reason}, nil
}

// useReserved prepares a reserved host once per recovery, as Masakari
// does: add it to the failed host's aggregates (if configured), enable its
// nova-compute, and mark it no longer reserved.
func (ev *evacuation) useReserved(ctx context.Context, t *Target) error {
	ev.mu.Lock()
	once, ok := ev.reserved[t.Name]
	if !ok {
		once = &sync.Once{}
		ev.reserved[t.Name] = once
	}
	ev.mu.Unlock()
	var err error
	once.Do(func() { err = ev.prepareReserved(ctx, t) })
	ev.mu.Lock()
	defer ev.mu.Unlock()
	if ev.resErr == nil {
		ev.resErr = map[string]error{}
	}
	if err != nil {
		ev.resErr[t.Name] = err
	}
	return ev.resErr[t.Name]
}

func (ev *evacuation) prepareReserved(ctx context.Context, t *Target) error {
	fl, job, r := ev.fl, ev.job, ev.job.Recovery
	if job.Succeeded("reserved_host", t.Name) {
		return nil
	}
	if err := job.Valid(); err != nil {
		return err
	}
	if fl.cfg.AddReservedHostToAggregate {
		aggs, err := fl.compute.Aggregates(ctx)
		if err != nil {
			return fmt.Errorf("list aggregates: %w", err)
		}
		for _, a := range aggs {
			in, has := false, false
			for _, h := range a.Hosts {
				in = in || h == r.HostName
				has = has || h == t.Name
			}
			if in && !has {
				if err := fl.compute.AddHostToAggregate(ctx, a.ID, t.Name); err != nil && !errors.Is(err, ErrConflict) {
					return fmt.Errorf("add reserved host %s to aggregate %s: %w", t.Name, a.Name, err)
				}
			}
		}
	}
	if t.Service.Status != "enabled" {
		if err := fl.compute.EnableService(ctx, t.Service.ID); err != nil {
			return fmt.Errorf("enable reserved host %s: %w", t.Name, err)
		}
	}
	return job.Tx(ctx, func(tx pgx.Tx) error { return store.RecoveryHostUnreserveTx(ctx, tx, t.HostUUID) },
		store.StepEntry{Name: "reserved_host", Item: t.Name, Phase: store.StepPhaseResult, State: store.StepStateSuccess, Progress: 1,
			Message: fmt.Sprintf("Enabling reserved host: '%s'", t.Name)})
}
