package recovery

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/lazarus-ha/lazarus/engine/workflow"
	"github.com/lazarus-ha/lazarus/monitors/event"
	"github.com/lazarus-ha/lazarus/store"
)

// observerGrace bounds the wait for a monitor event's observer row.
const observerGrace = 5 * time.Second

// hostFailure is verdict → fence → force_down → select → evacuate (with
// confirm, per instance) → finish. Each step is skipped when the journal
// shows it done, so a resumed recovery continues where the last owner
// stopped.
func (fl *Flows) hostFailure(ctx context.Context, job *workflow.Job) (workflow.Outcome, error) {
	r := job.Recovery
	if !job.Succeeded("verdict", "") {
		start := time.Now()
		v, err := fl.verdict(ctx, job)
		if err != nil {
			return workflow.Outcome{}, err
		}
		fl.metrics.Step("host", "verdict", time.Since(start))
		switch v.Action {
		case ActionWait:
			if last, ok := lastProgress(job, "verdict"); !ok || last != v.Reason {
				if err := job.Checkpoint(ctx, store.StepEntry{Name: "verdict", Phase: store.StepPhaseProgress, State: store.StepStateRunning, Message: v.Reason}); err != nil {
					return workflow.Outcome{}, err
				}
			}
			return workflow.Outcome{Kind: workflow.Defer, After: fl.cfg.VerifyInterval}, nil
		case ActionNothing:
			if err := job.Checkpoint(ctx, step("verdict", store.StepStateSuccess, 1, v.Reason, nil)); err != nil {
				return workflow.Outcome{}, err
			}
			return finish(StatusFinished, ""), nil
		case ActionIgnore:
			if err := job.Checkpoint(ctx, step("verdict", store.StepStateSuccess, 1, "Not evacuated: "+v.Reason, nil)); err != nil {
				return workflow.Outcome{}, err
			}
			return finish(StatusIgnored, "Not evacuated: "+v.Reason+"."), nil
		case ActionProcessFlow:
			if err := ledgerOf(job).setMaintenance(ctx,
				step("verdict", store.StepStateSuccess, 1, v.Reason, nil)); err != nil {
				return workflow.Outcome{}, err
			}
			out, err := fl.disableCompute(ctx, job, fl.cfg.ProcessDisableReason)
			if err == nil && out.Status == StatusFinished {
				out.Message = "Not evacuated: " + v.Reason + "; compute service disabled."
			}
			return out, err
		}
		// Proceed: the host goes on maintenance (Masakari does the same on
		// STOPPED), remembered as set by Lazarus.
		if err := ledgerOf(job).setMaintenance(ctx,
			step("verdict", store.StepStateSuccess, 1, "Host failure confirmed: "+v.Reason, nil)); err != nil {
			return workflow.Outcome{}, err
		}
	}

	var failedSvc *Service
	if !job.Succeeded("fence", "") {
		start := time.Now()
		out, svc, done, err := fl.fence(ctx, job)
		failedSvc = svc
		if err != nil || !done {
			return out, err
		}
		fl.metrics.Step("host", "fence", time.Since(start))
	}

	if !job.Succeeded("force_down", "") {
		start := time.Now()
		if err := fl.forceDown(ctx, job, failedSvc); err != nil {
			if errors.Is(err, ErrNotFound) {
				return finish(StatusError, fmt.Sprintf("No nova-compute service for host %s.", r.HostName)), nil
			}
			return workflow.Outcome{}, err
		}
		fl.metrics.Step("host", "force_down", time.Since(start))
	}

	sel, listed, err := fl.selectInstances(ctx, job)
	if err != nil {
		return workflow.Outcome{}, err
	}
	if len(sel) == 0 {
		if err := job.Checkpoint(ctx, step("finish", store.StepStateSuccess, 1, "No instances to evacuate.", nil)); err != nil {
			return workflow.Outcome{}, err
		}
		return finish(StatusFinished, ""), nil
	}

	start := time.Now()
	results, err := fl.evacuateAll(ctx, job, sel, listed)
	if err != nil {
		return workflow.Outcome{}, err
	}
	fl.metrics.Step("host", "evacuate", time.Since(start))

	var failed, failedIDs []string
	for _, res := range results {
		if res.status == "failed" {
			failed = append(failed, fmt.Sprintf("%s (%s)", res.id, res.reason))
			failedIDs = append(failedIDs, res.id)
		}
	}
	evacState, evacMsg := store.StepStateSuccess, fmt.Sprintf("Successfully evacuated %d instances from host '%s'", len(results), r.HostName)
	if len(failed) > 0 {
		evacState = store.StepStateFailure
		evacMsg = fmt.Sprintf("Failed to evacuate instances '%s' from host '%s'", strings.Join(failedIDs, ","), r.HostName)
	}
	if err := job.Checkpoint(ctx, step("evacuate", evacState, 1, evacMsg, nil)); err != nil {
		return workflow.Outcome{}, err
	}
	if len(failed) > 0 {
		msg := fmt.Sprintf("Failed to evacuate instances %s from host '%s'; the other %d were evacuated.",
			strings.Join(failed, ", "), r.HostName, len(results)-len(failed))
		if err := job.Checkpoint(ctx, step("finish", store.StepStateFailure, 1, msg, nil)); err != nil {
			return workflow.Outcome{}, err
		}
		return finish(StatusError, msg), nil
	}
	if err := job.Checkpoint(ctx, step("finish", store.StepStateSuccess, 1, "Evacuation process completed!", nil)); err != nil {
		return workflow.Outcome{}, err
	}
	return finish(StatusFinished, ""), nil
}

func lastProgress(job *workflow.Job, name string) (string, bool) {
	j := job.Journal()
	for i := len(j) - 1; i >= 0; i-- {
		if j[i].Name == name && j[i].Phase == store.StepPhaseProgress {
			return j[i].Message, true
		}
	}
	return "", false
}

// verdict gathers evidence: the observers' reports, Nova's service state
// and the BMC's power reading.
func (fl *Flows) verdict(ctx context.Context, job *workflow.Job) (Verdict, error) {
	r := job.Recovery
	ev := Evidence{Event: r.Payload["event"], HostStatus: r.Payload["host_status"],
		Waited: time.Since(r.CreatedAt), VerdictTimeout: fl.cfg.VerdictTimeout, Power: PowerUnknown}
	if ev.Event == event.EventStarted {
		return Decide(ev), nil
	}
	// The intake records a monitor event's observer right after it commits
	// the notification: wait for it (briefly), so that evidence such as
	// "alive on another network" is never missed.
	var obs []store.Observer
	waitFrom := time.Now()
	for {
		var err error
		obs, err = ledgerOf(job).observers(ctx)
		if err != nil {
			return Verdict{}, err
		}
		if len(obs) > 0 || r.EventID == "" || time.Since(waitFrom) >= observerGrace {
			break
		}
		if err := sleep(ctx, 20*time.Millisecond); err != nil {
			return Verdict{}, err
		}
	}
	ev.Observers, ev.Isolated, ev.AliveLinks = ObserverEvidence(obs)
	svc, err := fl.compute.ComputeService(ctx, r.HostName)
	if err != nil && !errors.Is(err, ErrNotFound) {
		return Verdict{}, ctxErr(ctx, fmt.Errorf("read compute service of %s: %w", r.HostName, err))
	}
	ev.NovaUp = err == nil && svc.Up()
	if fl.fencer != nil {
		pctx, cancel := context.WithTimeout(ctx, fl.cfg.CallTimeout)
		p, err := fl.fencer.PowerStatus(pctx, r.HostName)
		cancel()
		if err == nil {
			ev.Power = p
		} else if ctx.Err() != nil {
			return Verdict{}, context.Cause(ctx)
		}
	}
	return Decide(ev), nil
}

// ObserverEvidence summarises the reports merged into a host failure: how
// many observers, how many said they were isolated themselves, and the
// networks on which a non-isolated observer still reached the host. Evidence
// that does not decode is counted as a report without evidence.
func ObserverEvidence(obs []store.Observer) (observers, isolated int, alive []string) {
	seen := map[string]bool{}
	for _, o := range obs {
		observers++
		if len(o.Evidence) == 0 {
			continue
		}
		var e event.Evidence
		if json.Unmarshal(o.Evidence, &e) != nil {
			continue
		}
		if e.Isolated {
			isolated++
			continue // an isolated observer's view of others counts for nothing
		}
		for _, n := range e.NetworksAlive {
			if n != "" && !seen[n] {
				seen[n] = true
				alive = append(alive, n)
			}
		}
	}
	sort.Strings(alive)
	return observers, isolated, alive
}

// forceDown marks the failed host's nova-compute forced down and disabled
// with a reason (microversion 2.53), right after fencing: Nova then accepts
// evacuations at once, where Masakari sleeps 180 s.
//
// known is the service as the fence step read it a moment ago: when it
// shows the service neither forced down nor disabled, the (idempotent)
// update needs no new read; any other reading is read again.
func (fl *Flows) forceDown(ctx context.Context, job *workflow.Job, known *Service) error {
	r := job.Recovery
	var svc Service
	if _, one := fl.compute.(ForceDowner); one && known != nil && !known.ForcedDown && known.Status != "disabled" {
		svc = *known
	} else {
		var err error
		if svc, err = fl.compute.ComputeService(ctx, r.HostName); err != nil {
			return ctxErr(ctx, fmt.Errorf("read compute service: %w", err))
		}
	}
	if err := job.Valid(); err != nil {
		return err
	}
	if fd, ok := fl.compute.(ForceDowner); ok && !svc.ForcedDown && svc.Status != "disabled" {
		if err := fd.ForceDownAndDisable(ctx, svc.ID, fl.cfg.HostDisableReason); err != nil {
			return ctxErr(ctx, fmt.Errorf("force down and disable compute service: %w", err))
		}
		svc.ForcedDown, svc.Status = true, "disabled"
	}
	if !svc.ForcedDown {
		if err := fl.compute.SetForcedDown(ctx, svc.ID, true); err != nil {
			return ctxErr(ctx, fmt.Errorf("force down compute service: %w", err))
		}
	}
	if svc.Status != "disabled" {
		if err := fl.compute.DisableService(ctx, svc.ID, fl.cfg.HostDisableReason); err != nil {
			return ctxErr(ctx, fmt.Errorf("disable compute service: %w", err))
		}
	}
	return job.Checkpoint(ctx, step("force_down", store.StepStateSuccess, 1,
		fmt.Sprintf("Forced down and disabled compute service on host: '%s'", r.HostName), nil))
}

// selected is the journaled form of one instance chosen for evacuation.
type selected struct {
	ID      string `json:"id"`
	Name    string `json:"name"`
	VMState string `json:"vm_state"`
	HA      bool   `json:"ha"`
	VCPUs   int    `json:"vcpus"`
	RAMMB   int    `json:"ram_mb"`
	DiskGB  int    `json:"disk_gb"`
	// The instance's constraints (constraints.go); absent in journals
	// written before they were recorded.
	Tenant       string            `json:"tenant,omitempty"`
	Zone         string            `json:"zone,omitempty"`
	PinnedZone   bool              `json:"pinned_zone,omitempty"`
	VolumeBacked bool              `json:"volume_backed,omitempty"`
	Specs        map[string]string `json:"aggregate_specs,omitempty"`
}

// selectInstances lists the failed host's servers (all tenants, all pages)
// once and journals the choice with one pending vmoves row per instance; a
// resumed recovery reuses the journaled list. listed holds each chosen
// server as that list showed it, for lock to reuse while it is young (nil
// when resumed).
func (fl *Flows) selectInstances(ctx context.Context, job *workflow.Job) ([]selected, map[string]reading, error) {
	r := job.Recovery
	if e, ok := job.Result("select", ""); ok && e.State == store.StepStateSuccess {
		var sel []selected
		if err := json.Unmarshal(e.DetailJSON, &sel); err != nil && e.DetailJSON != nil {
			return nil, nil, fmt.Errorf("decode journaled selection: %w", err)
		}
		if e.DetailJSON == nil {
			if b, err := json.Marshal(e.Detail); err == nil {
				_ = json.Unmarshal(b, &sel)
			}
		}
		return sel, nil, nil
	}
	start := time.Now()
	servers, err := fl.compute.ServersOnHost(ctx, r.HostName)
	if err != nil {
		return nil, nil, ctxErr(ctx, fmt.Errorf("list servers on %s: %w", r.HostName, err))
	}
	chosen := Select(servers, fl.cfg.Select)
	sel := make([]selected, 0, len(chosen))
	moves := make([]store.VMove, 0, len(chosen))
	listed := make(map[string]reading, len(chosen))
	ha := 0
	for _, c := range chosen {
		s := c.Server
		if c.HA {
			ha++
		}
		sel = append(sel, withConstraints(selected{ID: s.ID, Name: s.Name, VMState: s.VMState, HA: c.HA, VCPUs: s.Flavor.VCPUs, RAMMB: s.Flavor.RAMMB, DiskGB: s.Flavor.DiskGB}, s))
		moves = append(moves, store.VMove{InstanceUUID: s.ID, InstanceName: s.Name, SourceHost: r.HostName})
		listed[s.ID] = reading{srv: s, at: start}
	}
	msgs := []store.StepEntry{
		{Name: "select", Phase: store.StepPhaseProgress, State: store.StepStateRunning, Progress: 0.3,
			Message: fmt.Sprintf("Total instances running on failed host '%s' is %d", r.HostName, len(servers))},
		{Name: "select", Phase: store.StepPhaseProgress, State: store.StepStateRunning, Progress: 0.6,
			Message: fmt.Sprintf("Total HA Enabled instances count: '%d'", ha)},
		step("select", store.StepStateSuccess, 1, fmt.Sprintf("Instances to be evacuated: %d", len(sel)), sel),
	}
	err = ledgerOf(job).insertPendingVMoves(ctx, moves, msgs...)
	if err != nil {
		return nil, nil, err
	}
	fl.metrics.Step("host", "select", time.Since(start))
	return sel, listed, nil
}

type instanceResult struct {
	id, status, dest, reason string
}

// evacuateAll evacuates and confirms every selected instance: at most
// Threads at a time when host_failure_recovery_threads is set, and in any
// case within the engine's evacuation limits (per target, in all), which
// each instance's evacuation waits for (evacuation.pick). One failed
// instance does not stop or undo the others.
//
// The Placer is built (newPlacer) while the first instances are locked:
// neither needs the other, and each instance's evacuation starts as soon
// as it is locked and the Placer has chosen its target. Until the targets
// are known the recovery works on the share any recovery gets (one
// target's, or Threads); then on what its targets take in flight.
func (fl *Flows) evacuateAll(ctx context.Context, job *workflow.Job, sel []selected, listed map[string]reading) ([]instanceResult, error) {
	ev := &evacuation{fl: fl, job: job, placed: make(chan struct{}), reserved: map[string]*sync.Once{}, listed: listed}
	ev.reads = newConfirmReads(ev)
	results := make([]instanceResult, len(sel))
	// A lost lease or a database failure in one instance stops the others
	// too: the whole recovery resumes from the journal.
	parent := ctx
	ctx, stop := context.WithCancelCause(ctx)
	defer stop(nil)
	var mu sync.Mutex
	var fatal error
	fail := func(err error) {
		mu.Lock()
		defer mu.Unlock()
		if fatal == nil {
			fatal = err
			stop(err)
		}
	}
	slots := newSlots(fl.limit.perRecovery(fl.cfg.Threads, 0))
	var wg sync.WaitGroup
	wg.Go(func() {
		defer close(ev.placed)
		p, err := fl.newPlacer(ctx, job, sel, func(n int) { slots.grow(fl.limit.perRecovery(fl.cfg.Threads, n)) })
		if err != nil {
			fail(err)
			return
		}
		ev.placer = p
	})
	for i, s := range sel {
		if slots.acquire(ctx) != nil {
			break
		}
		wg.Go(func() {
			defer slots.release()
			// An engine-wide token per instance being worked on: with
			// many recoveries at once, no more instances are read,
			// locked and evacuated than the engine may have in flight.
			if err := fl.limit.admit(ctx); err != nil {
				return
			}
			defer fl.limit.leave()
			res, err := ev.instance(ctx, s)
			if err != nil {
				fail(err)
				return
			}
			results[i] = res
		})
	}
	wg.Wait()
	if parent.Err() != nil {
		return nil, context.Cause(parent)
	}
	if fatal != nil {
		return nil, fatal
	}
	return results, nil
}
