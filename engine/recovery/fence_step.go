package recovery

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"time"

	"github.com/lazarus-ha/lazarus/engine/brake"
	"github.com/lazarus-ha/lazarus/engine/workflow"
	"github.com/lazarus-ha/lazarus/monitors/event"
	"github.com/lazarus-ha/lazarus/store"
)

// fenceState names where the fence step is. fence moves between them;
// each transition is decided by a pure function (afterConfirmCheck,
// afterGate, afterPowerOff) with a table test.
//
//	checkConfirmed ──an operator confirmed the host off (this recovery)──► confirmed
//	  └─► gate: self check, silent hosts, storm brake under the segment's lock
//	gate ──the brake holds (intent not journaled)──► heldByBrake
//	  ├─require_fencing = false (intent journaled)──► skipped
//	  └─intent journaled──► powerOff
//	powerOff ──off read back (or a fence agent at a lower level)──► fenced
//	  ├─failed, but an operator confirmed meanwhile──► confirmed
//	  └─failed or manual level──► heldUnproven
//
// confirmed, skipped and fenced prove the host dead (the step succeeds);
// the held states journal the reason and hold the recovery, re-tried every
// hold_recheck_interval. Nothing is evacuated from a held host
// (invariant 1); nothing is fenced past the brake (invariant 4).
type fenceState int

const (
	fsCheckConfirmed fenceState = iota
	fsGate
	fsPowerOff
	fsConfirmed
	fsSkipped
	fsFenced
	fsHeldByBrake
	fsHeldUnproven
)

var fenceStateNames = [...]string{"check_confirmed", "gate", "power_off", "confirmed", "skipped", "fenced", "held_by_brake", "held_unproven"}

func (s fenceState) String() string { return fenceStateNames[s] }

// afterConfirmCheck: an operator's confirmation proves the host dead.
func afterConfirmCheck(confirmed bool) fenceState {
	if confirmed {
		return fsConfirmed
	}
	return fsGate
}

// afterGate: the storm brake first, whatever require_fencing says; then
// power off, unless fencing is not required.
func afterGate(hold, requireFencing bool) fenceState {
	switch {
	case hold:
		return fsHeldByBrake
	case !requireFencing:
		return fsSkipped
	}
	return fsPowerOff
}

// afterPowerOff: only a verified power-off (or a confirmation given
// meanwhile) proves the host dead.
func afterPowerOff(verified, confirmed bool) fenceState {
	switch {
	case verified:
		return fsFenced
	case confirmed:
		return fsConfirmed
	}
	return fsHeldUnproven
}

// unprovenReason says why a fence that ran did not prove the host dead,
// and the metric outcome to count it as.
func unprovenReason(res FenceResult, ferr error) (reason, outcome string) {
	reason = "fencing failed at every level"
	switch {
	case res.Manual:
		return "fencing reached the manual level", "manual"
	case ferr != nil:
		return reason + ": " + ferr.Error(), "failed"
	}
	return reason + ": power off was not read back", "failed"
}

// fenceRun is the fence step in progress.
type fenceRun struct {
	fl  *Flows
	job *workflow.Job
	// decision is the storm brake's, once the gate ran.
	decision brake.Decision
	// res and ferr are the fence call's, once it ran.
	res  FenceResult
	ferr error
	// out is the step's outcome once a held state is reached.
	out workflow.Outcome
	// failedSvc is the failed host's compute service as the gate read it
	// (nil: not read or not listed).
	failedSvc *Service
}

// fence proves the host dead: an operator's confirmation, or an automatic
// fence through the storm brake's gate, state by state (fenceState). done
// is false when the recovery must hold (the outcome says why). svc is the
// failed host's compute service as the gate read it, when it did.
func (fl *Flows) fence(ctx context.Context, job *workflow.Job) (out workflow.Outcome, svc *Service, done bool, err error) {
	run := &fenceRun{fl: fl, job: job}
	st := fsCheckConfirmed
	for {
		var err error
		switch st {
		case fsCheckConfirmed:
			var ok bool
			ok, err = fl.confirmed(ctx, job)
			st = afterConfirmCheck(ok)
		case fsGate:
			st, err = run.gate(ctx)
		case fsPowerOff:
			st, err = run.powerOff(ctx)
		case fsConfirmed, fsSkipped, fsFenced:
			return workflow.Outcome{}, run.failedSvc, true, run.proven(ctx, st)
		case fsHeldByBrake, fsHeldUnproven:
			if err := run.held(ctx, st); err != nil {
				return workflow.Outcome{}, nil, false, err
			}
			return run.out, nil, false, nil
		}
		if err != nil {
			return workflow.Outcome{}, nil, false, err
		}
	}
}

// gate runs the self check and counts the segment's failing hosts, then
// asks the storm brake under the segment's fence-gate lock, journaling the
// fence intent only when it lets the fence go on.
func (run *fenceRun) gate(ctx context.Context) (fenceState, error) {
	fl, r := run.fl, run.job.Recovery
	var selfErr error
	if fl.self != nil {
		sctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		selfErr = fl.self.Check(sctx)
		cancel()
		if ctx.Err() != nil {
			return 0, context.Cause(ctx)
		}
	}
	// Heartbeats that vanished at once count as failing hosts too, even
	// before any monitor reported them: live hosts (not on maintenance)
	// whose nova-compute Nova sees down without anyone forcing it down.
	silent, services, hosts, err := fl.silentHosts(ctx, run.job)
	if err != nil {
		return 0, err
	}
	if svc, ok := services[r.HostName]; ok {
		run.failedSvc = &svc
	}
	intent := store.StepEntry{Name: "fence", Phase: store.StepPhaseIntent, State: store.StepStateRunning,
		Message: fmt.Sprintf("Fencing host '%s'", r.HostName)}
	if !fl.cfg.RequireFencing {
		intent.Message = fmt.Sprintf("Not fencing host '%s' (require_fencing = false): trusting the monitor", r.HostName)
	}
	// Hosts the reporting monitors also saw dead when they reported this
	// one: a storm shows in its first report, before the others' reports
	// (each monitor waits out its settle time per peer) arrive.
	accused, err := fl.accusedPeers(ctx, run.job, hosts, services)
	if err != nil {
		return 0, err
	}
	held, err := ledgerOf(run.job).fenceGate(ctx, fl.cfg.Brake.Window, func(st store.SegmentFailureStats) bool {
		st.Failing = countFailing(st.FailingHosts, append(silent, accused...))
		run.decision = brake.Decide(st, fl.cfg.Brake, selfErr)
		return !run.decision.Hold
	}, intent)
	if err != nil {
		return 0, err
	}
	return afterGate(held, fl.cfg.RequireFencing), nil
}

// accusedPeers names the segment's other hosts that a monitor reporting
// this failure saw dead on every network at the time (event.Evidence
// PeersDown), unless that host's own monitor has been heard since the
// report: then it is alive. An isolated observer's view counts for nothing.
func (fl *Flows) accusedPeers(ctx context.Context, job *workflow.Job, hosts []store.RecoveryHost, services map[string]Service) ([]string, error) {
	obs, err := ledgerOf(job).observers(ctx)
	if err != nil || len(obs) == 0 {
		return nil, err
	}
	beats, err := job.Store().MonitorHeartbeats(ctx)
	if err != nil {
		return nil, err
	}
	return AccusedPeers(obs, hosts, services, beats, job.Recovery.HostName), nil
}

// AccusedPeers is accusedPeers' decision: the hosts of the segment (hosts),
// other than failed, named in a non-isolated observer's PeersDown and not
// heard from (beats, by the database's clock) after that report arrived.
// As for the silent hosts, a host on maintenance (an operator's, or one in
// recovery, which the recoveries count) or forced down in Nova (services)
// is already known down and is not counted again.
func AccusedPeers(obs []store.Observer, hosts []store.RecoveryHost, services map[string]Service, beats []store.MonitorHeartbeat, failed string) []string {
	inSegment := map[string]bool{}
	for _, h := range hosts {
		if svc, ok := services[h.Name]; !h.OnMaintenance && !(ok && svc.ForcedDown) {
			inSegment[h.Name] = true
		}
	}
	lastSeen := map[string]time.Time{}
	for _, b := range beats {
		lastSeen[b.Host] = b.LastSeen
	}
	seen := map[string]bool{}
	var out []string
	for _, o := range obs {
		var e event.Evidence
		if len(o.Evidence) == 0 || json.Unmarshal(o.Evidence, &e) != nil || e.Isolated {
			continue
		}
		for _, p := range e.PeersDown {
			if p == failed || !inSegment[p] || seen[p] || lastSeen[p].After(o.ReceivedAt) {
				continue
			}
			seen[p] = true
			out = append(out, p)
		}
	}
	sort.Strings(out)
	return out
}

// countFailing counts the distinct hosts failing by the recoveries' count
// or by a lost heartbeat.
func countFailing(recovering, silent []string) int {
	failing := map[string]bool{}
	for _, h := range recovering {
		failing[h] = true
	}
	for _, h := range silent {
		failing[h] = true
	}
	return len(failing)
}

// powerOff fences the host through its topology, within CallTimeout; a
// failed fence looks for an operator's confirmation given meanwhile.
func (run *fenceRun) powerOff(ctx context.Context) (fenceState, error) {
	fl, job := run.fl, run.job
	if err := job.Valid(); err != nil {
		return 0, err
	}
	fctx, cancel := context.WithTimeout(ctx, fl.cfg.CallTimeout)
	run.res, run.ferr = fl.fencer.Fence(fctx, job.Recovery.HostName)
	cancel()
	if ctx.Err() != nil {
		return 0, context.Cause(ctx)
	}
	verified := run.ferr == nil && run.res.Verified
	confirmed := false
	if !verified {
		ok, err := fl.confirmed(ctx, job)
		if err != nil {
			return 0, err
		}
		confirmed = ok
	}
	return afterPowerOff(verified, confirmed), nil
}

// proven journals the fence step's success for a state that proves the
// host dead.
func (run *fenceRun) proven(ctx context.Context, st fenceState) error {
	fl, host := run.fl, run.job.Recovery.HostName
	var msg string
	switch st {
	case fsConfirmed:
		fl.metrics.Fence("confirmed")
		msg = fmt.Sprintf("Operator confirmed host '%s' is off", host)
	case fsSkipped:
		msg = "Fencing skipped (require_fencing = false)"
	case fsFenced:
		fl.metrics.Fence("verified")
		msg = fmt.Sprintf("Host '%s' fenced: power off read back (level %d)", host, run.res.Level)
	}
	return run.job.Checkpoint(ctx, step("fence", store.StepStateSuccess, 1, msg, run.res.Evidence))
}

// held journals why the recovery holds and sets its outcome.
func (run *fenceRun) held(ctx context.Context, st fenceState) error {
	fl, host := run.fl, run.job.Recovery.HostName
	if st == fsHeldByBrake {
		fl.metrics.Fence("held")
		if err := run.job.Checkpoint(ctx, step("fence", store.StepStateHeld, 0, run.decision.Reason, nil)); err != nil {
			return err
		}
		run.out = workflow.Outcome{Kind: workflow.Hold, After: fl.cfg.HoldRecheck,
			Message: run.decision.Reason + "; nothing is fenced or evacuated automatically (an operator may confirm the host off)"}
		return nil
	}
	reason, outcome := unprovenReason(run.res, run.ferr)
	fl.metrics.Fence(outcome)
	reason = fmt.Sprintf("host '%s' is not proven dead (%s); nothing is evacuated until it is fenced or an operator confirms it off", host, reason)
	if err := run.job.Checkpoint(ctx, step("fence", store.StepStateHeld, 0, reason, run.res.Evidence)); err != nil {
		return err
	}
	run.out = workflow.Outcome{Kind: workflow.Hold, Message: reason, After: fl.cfg.HoldRecheck}
	return nil
}

// silentHosts names the segment's hosts, not on maintenance, whose
// nova-compute heartbeat Nova reports lost (down, not forced down).
// Hosts in recovery are on maintenance and counted from the recoveries.
// It also returns what it read: the services by host and the segment's
// hosts.
func (fl *Flows) silentHosts(ctx context.Context, job *workflow.Job) ([]string, map[string]Service, []store.RecoveryHost, error) {
	hosts, err := ledgerOf(job).segmentHosts(ctx)
	if err != nil {
		return nil, nil, nil, err
	}
	// The services only, not the inventory: from microversion 2.88 Nova's
	// hypervisor details carry each host's uptime, read over RPC from its
	// nova-compute, and before the failed host is forced down Nova still
	// asks the dead one, until its RPC timeout (30 s gone in make e2e).
	svcs, err := fl.compute.ComputeServices(ctx)
	if err != nil {
		return nil, nil, nil, ctxErr(ctx, fmt.Errorf("list compute services: %w", err))
	}
	services := make(map[string]Service, len(svcs))
	for _, s := range svcs {
		services[s.Host] = s
	}
	var out []string
	for _, h := range hosts {
		if svc, ok := services[h.Name]; ok && !h.OnMaintenance && svc.State == "down" && !svc.ForcedDown {
			out = append(out, h.Name)
		}
	}
	return out, services, hosts, nil
}

func (fl *Flows) confirmed(ctx context.Context, job *workflow.Job) (bool, error) {
	if fl.confirm == nil {
		return false, nil
	}
	r := job.Recovery
	// A confirmation counts only for the recovery it was given during:
	// one given before this recovery began belongs to an earlier incident
	// (the host may have been powered on and failed again since), and
	// reusing it would evacuate a host nobody proved dead. The database's
	// clock stamps both rows, so no monitor clock is involved.
	ok, err := fl.confirm.FenceConfirmedSince(ctx, r.HostUUID, r.CreatedAt)
	if err != nil {
		return false, ctxErr(ctx, fmt.Errorf("read fence confirmations: %w", err))
	}
	return ok, nil
}
