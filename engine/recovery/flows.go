package recovery

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/lazarus-ha/lazarus/engine/brake"
	"github.com/lazarus-ha/lazarus/engine/metrics"
	"github.com/lazarus-ha/lazarus/engine/workflow"
	"github.com/lazarus-ha/lazarus/store"
)

// Notification statuses the flows end with (Masakari's).
const (
	StatusFinished = "finished"
	StatusError    = "error"
	StatusIgnored  = "ignored"
)

// Config is what the flows need of [DEFAULT], [engine], [fencing],
// [host_failure], [instance_failure] and [process_failure].
type Config struct {
	// Host failure.
	Select                     SelectOptions
	AddReservedHostToAggregate bool
	HostDisableReason          string
	EvacuateAttempts           int
	// Threads, when positive, bounds how many instances of one recovery
	// are evacuated at a time (Masakari's host_failure_recovery_threads).
	// Zero leaves a recovery bounded only by the two limits below.
	Threads int
	// MaxEvacuationsPerTarget bounds the evacuations in flight to any one
	// target host, across every recovery of this engine (default
	// DefaultMaxEvacuationsPerTarget).
	MaxEvacuationsPerTarget int
	// MaxEvacuationsInFlight bounds the evacuations in flight in this
	// engine (default DefaultMaxEvacuationsInFlight).
	MaxEvacuationsInFlight int
	// Ratios are the overcommit ratios of the capacity check.
	Ratios         Ratios
	RequireFencing bool
	Brake          brake.Limits
	// Instance failure.
	InstanceProcessAll bool
	InstanceHAKey      string
	// Process failure.
	ProcessDisableReason string
	// Timing.
	VerifyInterval         time.Duration
	WaitAfterEvacuation    time.Duration
	WaitAfterPowerOff      time.Duration
	WaitAfterPowerOn       time.Duration
	WaitAfterServiceUpdate time.Duration
	HoldRecheck            time.Duration
	VerdictTimeout         time.Duration
	// CallTimeout bounds one fence or power status call (default 2m).
	CallTimeout time.Duration
}

func (c *Config) defaults() {
	c.Select.HAKey = cmpOr(c.Select.HAKey, "HA_Enabled")
	c.InstanceHAKey = cmpOr(c.InstanceHAKey, "HA_Enabled")
	c.HostDisableReason = cmpOr(c.HostDisableReason, "Masakari detected host failed.")
	c.ProcessDisableReason = cmpOr(c.ProcessDisableReason, "Masakari detected process failed.")
	c.EvacuateAttempts = max(c.EvacuateAttempts, 1)
	c.Threads = max(c.Threads, 0)
	c.MaxEvacuationsPerTarget = cmpOr(c.MaxEvacuationsPerTarget, DefaultMaxEvacuationsPerTarget)
	c.MaxEvacuationsInFlight = cmpOr(c.MaxEvacuationsInFlight, DefaultMaxEvacuationsInFlight)
	c.VerifyInterval = cmpOr(c.VerifyInterval, time.Second)
	c.WaitAfterEvacuation = cmpOr(c.WaitAfterEvacuation, 90*time.Second)
	c.WaitAfterPowerOff = cmpOr(c.WaitAfterPowerOff, 180*time.Second)
	c.WaitAfterPowerOn = cmpOr(c.WaitAfterPowerOn, 60*time.Second)
	c.WaitAfterServiceUpdate = cmpOr(c.WaitAfterServiceUpdate, 180*time.Second)
	c.HoldRecheck = cmpOr(c.HoldRecheck, 10*time.Second)
	c.CallTimeout = cmpOr(c.CallTimeout, 2*time.Minute)
}

func cmpOr[T comparable](v, d T) T {
	var zero T
	if v == zero {
		return d
	}
	return v
}

// Flows runs the host, instance and process failure flows. It is the
// workflow.Handler of lazarus-engine.
type Flows struct {
	cfg     Config
	compute Compute
	fencer  Fencer
	confirm FenceConfirmer
	self    brake.SelfCheck
	metrics *metrics.Metrics
	inv     *inventory
	limit   *evacLimiter
}

// New returns the flows. confirm and self may be nil.
func New(cfg Config, c Compute, f Fencer, confirm FenceConfirmer, self brake.SelfCheck, m *metrics.Metrics) *Flows {
	cfg.defaults()
	return &Flows{cfg: cfg, compute: c, fencer: f, confirm: confirm, self: self, metrics: m, inv: &inventory{c: c, ttl: inventoryTTL},
		limit: newEvacLimiter(cfg.MaxEvacuationsPerTarget, cfg.MaxEvacuationsInFlight)}
}

// Handle runs (or resumes) one recovery.
func (fl *Flows) Handle(ctx context.Context, job *workflow.Job) (workflow.Outcome, error) {
	switch job.Recovery.Kind {
	case store.RecoveryKindHost:
		return fl.hostFailure(ctx, job)
	case store.RecoveryKindInstance:
		return fl.instanceFailure(ctx, job)
	case store.RecoveryKindProcess:
		return fl.processFailure(ctx, job)
	}
	return finish(StatusError, "unknown recovery kind "+job.Recovery.Kind), nil
}

func finish(status, msg string) workflow.Outcome {
	return workflow.Outcome{Kind: workflow.Finish, Status: status, Message: msg}
}

// step journals a step's result.
func step(name, state string, progress float64, msg string, detail any) store.StepEntry {
	return store.StepEntry{Name: name, Phase: store.StepPhaseResult, State: state, Progress: progress, Message: msg, Detail: detail}
}

// sleep waits d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return context.Cause(ctx)
	case <-t.C:
		return nil
	}
}

// ctxErr returns the cause when ctx ended, so the runner can tell a lost
// lease from a shutdown.
func ctxErr(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return context.Cause(ctx)
	}
	return err
}

// disableCompute disables the host's nova-compute (with reason) and waits
// until Nova reads it back disabled: the process flow, also used when the
// verdict finds only nova-compute dead.
func (fl *Flows) disableCompute(ctx context.Context, job *workflow.Job, reason string) (workflow.Outcome, error) {
	r := job.Recovery
	start := time.Now()
	if !job.Succeeded("disable_compute_node", "") {
		if err := job.Tx(ctx, nil, step("disable_compute_node", store.StepStateRunning, 0, fmt.Sprintf("Disabling compute service on host: '%s'", r.HostName), nil)); err != nil {
			return workflow.Outcome{}, err
		}
		svc, err := fl.compute.ComputeService(ctx, r.HostName)
		if errors.Is(err, ErrNotFound) {
			return finish(StatusError, fmt.Sprintf("No nova-compute service for host %s.", r.HostName)), nil
		}
		if err != nil {
			return workflow.Outcome{}, ctxErr(ctx, fmt.Errorf("read compute service: %w", err))
		}
		if svc.Status != "disabled" {
			if err := job.Valid(); err != nil {
				return workflow.Outcome{}, err
			}
			if err := fl.compute.DisableService(ctx, svc.ID, reason); err != nil {
				return workflow.Outcome{}, ctxErr(ctx, fmt.Errorf("disable compute service: %w", err))
			}
		}
		if err := job.Checkpoint(ctx, step("disable_compute_node", store.StepStateSuccess, 1, fmt.Sprintf("Disabled compute service on host: '%s'", r.HostName), nil)); err != nil {
			return workflow.Outcome{}, err
		}
	}
	deadline := time.Now().Add(fl.cfg.WaitAfterServiceUpdate)
	for {
		svc, err := fl.compute.ComputeService(ctx, r.HostName)
		if err == nil && svc.Status == "disabled" {
			break
		}
		if time.Now().After(deadline) {
			msg := fmt.Sprintf("Compute service of host %s was not disabled within %s.", r.HostName, fl.cfg.WaitAfterServiceUpdate)
			_ = job.Checkpoint(ctx, step("confirm_compute_node_disabled", store.StepStateFailure, 1, msg, nil))
			return finish(StatusError, msg), nil
		}
		if err := sleep(ctx, fl.cfg.VerifyInterval); err != nil {
			return workflow.Outcome{}, err
		}
	}
	fl.metrics.Step(r.Kind, "disable_compute_node", time.Since(start))
	if err := job.Checkpoint(ctx, step("confirm_compute_node_disabled", store.StepStateSuccess, 1, fmt.Sprintf("Confirmed compute service of host '%s' is disabled", r.HostName), nil)); err != nil {
		return workflow.Outcome{}, err
	}
	return finish(StatusFinished, ""), nil
}
