package recovery

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"strings"
	"sync"
	"time"

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
	// fresh holds, per instance, Nova's latest reading that the next
	// step may reuse (remember, recall): the one lock took just before it
	// locked the instance, and the one confirm ended on.
	fresh map[string]reading
	// reads gathers the confirm polls of the recovery's instances.
	reads *confirmReads
	// listed holds, per instance, the failed host's server list as
	// selectInstances read it (nil when resumed); lock reuses it while it
	// is younger than VerifyInterval (listedReading).
	listed map[string]reading
}

// reading is a server as Nova showed it, and when.
type reading struct {
	srv Server
	at  time.Time
}

// remember keeps the reading lock took of an instance it then locked.
func (ev *evacuation) remember(srv Server, at time.Time) {
	ev.mu.Lock()
	defer ev.mu.Unlock()
	if ev.fresh == nil {
		ev.fresh = map[string]reading{}
	}
	ev.fresh[srv.ID] = reading{srv: srv, at: at}
}

// recall returns (once) the reading remembered of the instance, if it is
// younger than VerifyInterval: the first read of the evacuation (after
// lock), or powerOn's read (after confirm), then costs Nova nothing. Once
// locked by Lazarus no user action can start on the instance, and Nova
// itself refuses to evacuate one that is busy (409) or whose host is up
// again (400), so a reading this recent says what a new one would.
func (ev *evacuation) recall(id string) (Server, bool) {
	r, ok := ev.take(ev.fresh, id)
	return r.srv, ok
}

// listedReading returns (once) the instance as the failed host's server
// list showed it, if that list is younger than VerifyInterval: lock then
// decides on it without a GET of its own. In the first second of a
// recovery Nova's API is at its busiest, and the list was read a moment
// before for the same purpose.
func (ev *evacuation) listedReading(id string) (reading, bool) {
	return ev.take(ev.listed, id)
}

// take removes id's reading from m (one of ev's maps) and returns it if it
// is younger than VerifyInterval.
func (ev *evacuation) take(m map[string]reading, id string) (reading, bool) {
	ev.mu.Lock()
	defer ev.mu.Unlock()
	r, ok := m[id]
	delete(m, id)
	if !ok || time.Since(r.at) >= ev.fl.cfg.VerifyInterval {
		return reading{}, false
	}
	return r, true
}

func (ev *evacuation) ledger() ledger { return ledgerOf(ev.job) }

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

// evacState names where one instance's evacuation is. The loop of one
// moves between them; each transition is decided by a pure function
// (afterRead, afterPick, afterIssue, afterConfirm) with a table test, and
// every state that ends the instance journals its result with its vmove.
//
//	readServer ──gone──► ignored
//	  │ ├─unreadable─► waitRead ──► readServer (attempt+1) … failed
//	  │ ├─moving or moved (task state, or an evacuation in Nova's migrations)─► confirm
//	  │ └─idle on the failed host─► pickTarget (after evacuate_attempts: failed)
//	pickTarget ──none fits──► failed (with the reason per candidate)
//	  ├─waited for a slot and Nova changed meanwhile─► readServer (attempt+1)
//	  └─► issue (a reserved host is prepared first; failing that: readServer, next target)
//	issue ──intent journaled, evacuate call refused─► readServer (attempt+1, next target)
//	  └─accepted─► confirm
//	confirm ──ACTIVE (or its state) on another host─► succeeded
//	  ├─back on the failed host─► readServer (attempt+1, next target)
//	  └─ERROR elsewhere, or timed out (it may still land)─► failed
//
// Nova is read (readServer) before every evacuate call, and a target is
// never tried twice for one instance; nothing is issued for an instance
// Nova shows moving (invariant 3).
type evacState int

const (
	stReadServer evacState = iota
	stWaitRead
	stPickTarget
	stIssue
	stConfirm
	stIgnored
	stFailed
	stSucceeded
)

var evacStateNames = [...]string{"read_server", "wait_read", "pick_target", "issue", "confirm", "ignored", "failed", "succeeded"}

func (s evacState) String() string { return evacStateNames[s] }

// readSeen is what a read of the server (and, when needed, of its
// migrations) showed.
type readSeen struct {
	gone, unreadable bool
	// onFailedHost is the server still on the failed host; moving is an
	// evacuation in flight or finished (task state, or migrations).
	onFailedHost, moving bool
	// exhausted: this attempt is past evacuate_attempts.
	exhausted bool
}

// afterRead decides what follows a read of the server.
func afterRead(r readSeen) evacState {
	switch {
	case r.gone:
		return stIgnored
	case r.unreadable && r.exhausted:
		return stFailed
	case r.unreadable:
		return stWaitRead
	case !r.onFailedHost || r.moving:
		return stConfirm // nothing to issue: it is on its way, or arrived
	case r.exhausted:
		return stFailed
	}
	return stPickTarget
}

// afterPick decides what follows the choice of a target: none fits (found
// false); the wait for a slot was long enough for Nova to change (changed:
// the server left the failed host or got busy, or could not be re-read);
// else the evacuation is issued.
func afterPick(found, changed bool) evacState {
	switch {
	case changed:
		return stReadServer
	case !found:
		return stFailed
	}
	return stIssue
}

// afterIssue decides what follows the evacuate call (or the preparation
// of a reserved target before it): refused means read Nova again and try
// the next target.
func afterIssue(refused bool) evacState {
	if refused {
		return stReadServer
	}
	return stConfirm
}

// afterConfirm decides what follows the wait for the instance: arrived on
// another host; else a retry only when it is idle back on the failed host
// (an instance that left it, or may still land, is not evacuated again).
func afterConfirm(arrived, onFailedHost, timedOut bool) evacState {
	switch {
	case arrived:
		return stSucceeded
	case !onFailedHost || timedOut:
		return stFailed
	}
	return stReadServer
}

// evacRun is one instance's evacuation in progress: the loop state of one.
type evacRun struct {
	ev     *evacuation
	s      selected
	flavor Flavor
	// attempt counts the reads of Nova that may lead to an evacuate call.
	attempt int
	// tried are the targets given up for this instance.
	tried map[string]bool
	// slot is the target whose evacuation slot this instance holds, from
	// pick until its evacuation is confirmed, failed or given up; target
	// the one this attempt's room is claimed on.
	slot, target *Target
	// lastReason is why the last attempt did not work.
	lastReason string
	// checkNova: read the migrations too (after the first read, or when
	// an earlier run journaled an intent: Nova may be acting already).
	checkNova bool
	// issued: this attempt's evacuate call was accepted just now.
	issued bool
	// end is the journaled outcome, once a final state is reached.
	end instanceResult
}

// free gives back the evacuation slot held, if any.
func (run *evacRun) free() {
	if run.slot != nil {
		run.ev.fl.limit.release(run.slot.Name)
		run.slot = nil
	}
}

// giveUpTarget releases the room claimed on this attempt's target and
// never tries it again for this instance.
func (run *evacRun) giveUpTarget() {
	if run.target != nil {
		run.ev.placer.Release(run.target, run.flavor)
		run.tried[run.target.Name] = true
		run.target = nil
	}
}

// one evacuates and confirms one instance, state by state (evacState).
// The returned error is only for a lost lease or shutdown; an instance
// that cannot be evacuated is a result with status failed.
func (ev *evacuation) one(ctx context.Context, s selected) (instanceResult, error) {
	if e, ok := ev.job.Result("evacuate", s.ID); ok && e.State == store.StepStateSuccess {
		return instanceResult{id: s.ID, status: "succeeded"}, nil
	}
	run := &evacRun{ev: ev, s: s, flavor: ev.placer.flavorOf(s), attempt: 1, tried: map[string]bool{}, checkNova: hadIntent(ev.job, s.ID)}
	defer run.free()
	st := stReadServer
	for {
		var next evacState
		var err error
		switch st {
		case stReadServer:
			next, err = run.readServer(ctx)
		case stWaitRead:
			next, err = stReadServer, sleep(ctx, ev.fl.cfg.VerifyInterval)
		case stPickTarget:
			next, err = run.pickTarget(ctx)
		case stIssue:
			next, err = run.issue(ctx)
		case stConfirm:
			next, err = run.confirm(ctx)
		default:
			return run.end, nil // a final state journaled the result
		}
		if err != nil {
			return instanceResult{}, err
		}
		if next == stReadServer {
			run.attempt++
		}
		st = next
	}
}

// readServer re-reads Nova before any (re-)issue: the instance may have
// moved already, or an evacuation may be in flight (invariant 3).
func (run *evacRun) readServer(ctx context.Context) (evacState, error) {
	ev, failed := run.ev, run.ev.job.Recovery.HostName
	srv, ok := Server{}, false
	if run.attempt == 1 {
		srv, ok = ev.recall(run.s.ID)
	}
	var err error
	if !ok {
		srv, err = ev.fl.compute.Server(ctx, run.s.ID)
	}
	seen := readSeen{gone: errors.Is(err, ErrNotFound), unreadable: err != nil, exhausted: run.attempt > ev.fl.cfg.EvacuateAttempts}
	if err != nil && !seen.gone {
		if ctx.Err() != nil {
			return 0, context.Cause(ctx)
		}
		run.lastReason = "read server: " + err.Error()
	}
	if err == nil {
		seen.onFailedHost, seen.moving = srv.Host == failed, srv.TaskState != ""
		if !seen.moving && run.checkNova && seen.onFailedHost {
			migs, err := ev.fl.compute.Migrations(ctx, run.s.ID)
			if err != nil {
				return 0, ctxErr(ctx, fmt.Errorf("read migrations of %s: %w", run.s.ID, err))
			}
			// Not only in-flight evacuations: one Nova finished ("done")
			// between our server read and this migrations read has landed
			// elsewhere, and a second call would start the instance twice.
			seen.moving = evacuationPending(migs, failed, ev.job.Recovery.CreatedAt.Add(-time.Minute))
		}
		run.checkNova = true
	}
	next := afterRead(seen)
	switch {
	case next == stIgnored:
		return run.finish(ctx, store.StepStateSkipped, "ignored", "", "instance no longer exists")
	case next == stFailed && seen.unreadable:
		return run.finish(ctx, store.StepStateFailure, "failed", "", run.lastReason)
	case next == stFailed:
		return run.finish(ctx, store.StepStateFailure, "failed", "",
			fmt.Sprintf("gave up after %d attempts: %s", ev.fl.cfg.EvacuateAttempts, run.lastReason))
	}
	return next, nil
}

// pickTarget chooses a target with room and an evacuation slot (pick).
func (run *evacRun) pickTarget(ctx context.Context) (evacState, error) {
	ev, failed := run.ev, run.ev.job.Recovery.HostName
	t, waited, err := ev.pick(ctx, run.flavor, run.tried)
	if err != nil {
		return 0, err
	}
	changed := false
	if t != nil && waited {
		// Waiting for a slot may have taken long: read Nova again before
		// acting on the old reading.
		srv, err := ev.fl.compute.Server(ctx, run.s.ID)
		changed = err != nil || srv.Host != failed || srv.TaskState != ""
		if changed {
			ev.fl.limit.release(t.Name)
			ev.placer.Release(t, run.flavor)
		}
	}
	next := afterPick(t != nil, changed)
	switch next {
	case stFailed:
		reason := ev.placer.noTarget(run.flavor)
		if run.lastReason != "" {
			reason += "; last attempt: " + run.lastReason
		}
		return run.finish(ctx, store.StepStateFailure, "failed", "", reason)
	case stIssue:
		run.slot, run.target = t, t
	}
	return next, nil
}

// issue prepares a reserved target, journals the intent with the vmove
// (ongoing, to the target) and calls evacuate.
func (run *evacRun) issue(ctx context.Context) (evacState, error) {
	ev, job, t := run.ev, run.ev.job, run.target
	if t.Reserved {
		if err := ev.useReserved(ctx, t); err != nil {
			if ctx.Err() != nil || errors.Is(err, store.ErrLeaseLost) {
				return 0, ctxErr(ctx, err)
			}
			run.giveUpTarget()
			run.free()
			run.lastReason = err.Error()
			return afterIssue(true), nil
		}
	}
	if err := ev.ledger().evacuateIntent(ctx, run.s.ID, t.Name, run.attempt); err != nil {
		return 0, err
	}
	if err := job.Valid(); err != nil {
		return 0, err
	}
	err := ev.fl.compute.Evacuate(ctx, run.s.ID, t.Name)
	run.issued = err == nil
	if err != nil {
		if ctx.Err() != nil {
			return 0, context.Cause(ctx)
		}
		ev.fl.metrics.Evacuation("retried")
		run.giveUpTarget()
		run.free()
		run.lastReason = fmt.Sprintf("evacuate to %s: %v", t.Name, err)
		job.Log.WarnContext(ctx, "evacuate call failed", "instance", run.s.ID, "target", t.Name, "attempt", run.attempt, "err", err)
	}
	return afterIssue(err != nil), nil
}

// confirm waits for the instance ACTIVE (or its original state) on
// another host.
func (run *evacRun) confirm(ctx context.Context) (evacState, error) {
	ev, failed := run.ev, run.ev.job.Recovery.HostName
	target := ""
	if run.target != nil {
		target = run.target.Name
	}
	srv, ok, reason, err := ev.confirm(ctx, run.s, target, run.issued)
	run.issued = false
	run.free()
	if err != nil {
		return 0, err
	}
	timedOut := strings.HasPrefix(reason, "timed out")
	next := afterConfirm(ok, srv.Host == failed, timedOut)
	switch next {
	case stSucceeded:
		if run.s.VMState == "stopped" && srv.VMState == "active" {
			// Masakari keeps a stopped instance stopped after evacuation.
			if err := ev.fl.compute.StopServer(ctx, run.s.ID); err != nil && !errors.Is(err, ErrConflict) {
				ev.job.Log.WarnContext(ctx, "stop evacuated instance", "instance", run.s.ID, "err", err)
			}
		}
		ev.fl.metrics.Evacuation("succeeded")
		return run.finish(ctx, store.StepStateSuccess, "succeeded", srv.Host,
			fmt.Sprintf("Successfully evacuated instance '%s' from host '%s' to '%s'", run.s.ID, failed, srv.Host))
	}
	run.lastReason = reason
	run.giveUpTarget()
	if next == stFailed {
		// It left the failed host but not into a good state, or it may
		// still land: evacuating again could start it twice.
		ev.fl.metrics.Evacuation("failed")
		return run.finish(ctx, store.StepStateFailure, "failed", srv.Host, reason)
	}
	ev.fl.metrics.Evacuation("retried")
	return next, nil
}

// finish journals the instance's result (record) and ends the loop.
func (run *evacRun) finish(ctx context.Context, state, status, dest, msg string) (evacState, error) {
	res, err := run.ev.record(ctx, run.s.ID, state, status, dest, msg)
	if err != nil {
		return 0, err
	}
	run.end = res
	switch status {
	case "succeeded":
		return stSucceeded, nil
	case "ignored":
		return stIgnored, nil
	}
	return stFailed, nil
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

// confirm polls the server every VerifyInterval (the first time after one
// interval when the evacuation was just issued: Nova cannot be done yet,
// and its API is busiest then; in rounds with the recovery's other
// instances, confirmReads) until it is idle on
// another host in ACTIVE or its original state (ok), or idle back on the
// failed host or in ERROR (not ok, with the reason), or the evacuation
// timeout passes.
func (ev *evacuation) confirm(ctx context.Context, s selected, target string, justIssued bool) (Server, bool, string, error) {
	fl, failed := ev.fl, ev.job.Recovery.HostName
	ev.reads.enter()
	defer ev.reads.leave()
	deadline := time.Now().Add(fl.cfg.WaitAfterEvacuation)
	var last Server
	if justIssued {
		if err := sleep(ctx, fl.cfg.VerifyInterval); err != nil {
			return last, false, "", err
		}
	}
	for {
		readAt := time.Now()
		srv, err := ev.reads.read(ctx, s.ID, target)
		if err == nil {
			last = srv
			if srv.TaskState == "" {
				switch {
				case srv.Host != failed && arrived(srv, s):
					ev.remember(srv, readAt) // for powerOn
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
	err := ev.ledger().updateVMove(ctx, id, status, dest, msg, store.StepEntry{Name: "evacuate", Item: id, Phase: store.StepPhaseResult,
		State: state, Progress: 1, Message: msg, Detail: map[string]any{"dest": dest}})
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
	return ev.ledger().unreserveHost(ctx, t.HostUUID,
		store.StepEntry{Name: "reserved_host", Item: t.Name, Phase: store.StepPhaseResult, State: store.StepStateSuccess, Progress: 1,
			Message: fmt.Sprintf("Enabling reserved host: '%s'", t.Name)})
}
