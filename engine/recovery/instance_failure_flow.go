package recovery

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/lazarus-ha/lazarus/engine/workflow"
	"github.com/lazarus-ha/lazarus/store"
)

// recoverableVMEvents are the (event, vir_domain_event) pairs Masakari
// acts on (masakari/engine/instance_events.py); anything else is ignored.
var recoverableVMEvents = map[[2]string]bool{
	{"LIFECYCLE", "STOPPED_FAILED"}:              true,
	{"QEMU_GUEST_AGENT_ERROR", "STOPPED_FAILED"}: true,
	{"IO_ERROR", "IO_ERROR_REPORT"}:              true,
}

// instanceFailure is stop_instance → start_instance →
// confirm_instance_active, as Masakari's instance flow (§3.5).
func (fl *Flows) instanceFailure(ctx context.Context, job *workflow.Job) (workflow.Outcome, error) {
	r := job.Recovery
	id := r.Payload["instance_uuid"]
	if !recoverableVMEvents[[2]string{r.Payload["event"], r.Payload["vir_domain_event"]}] {
		return finish(StatusIgnored, fmt.Sprintf("Event %s/%s is not one that needs recovery.", r.Payload["event"], r.Payload["vir_domain_event"])), nil
	}
	srv, err := fl.compute.Server(ctx, id)
	if errors.Is(err, ErrNotFound) {
		return finish(StatusError, fmt.Sprintf("Instance %s not found.", id)), nil
	}
	if err != nil {
		return workflow.Outcome{}, ctxErr(ctx, fmt.Errorf("read server %s: %w", id, err))
	}
	if !fl.cfg.InstanceProcessAll && !truthy(srv.Metadata[fl.cfg.InstanceHAKey]) {
		if err := job.Checkpoint(ctx, step("stop_instance", store.StepStateSkipped, 1, fmt.Sprintf("Skipping recovery for instance: %s as it is not Ha_Enabled", id), nil)); err != nil {
			return workflow.Outcome{}, err
		}
		return finish(StatusFinished, ""), nil
	}
	if srv.VMState == "paused" || srv.VMState == "rescued" {
		return finish(StatusIgnored, fmt.Sprintf("Instance %s is %s: not recovered.", id, srv.VMState)), nil
	}
	start := time.Now()
	if !job.Succeeded("stop_instance", "") {
		if srv.VMState != "stopped" {
			if err := job.Valid(); err != nil {
				return workflow.Outcome{}, err
			}
			if srv.VMState == "resized" {
				if err := fl.compute.ResetState(ctx, id, "active"); err != nil {
					return workflow.Outcome{}, ctxErr(ctx, fmt.Errorf("reset state of %s: %w", id, err))
				}
			}
			if err := fl.compute.StopServer(ctx, id); err != nil && !errors.Is(err, ErrConflict) {
				return workflow.Outcome{}, ctxErr(ctx, fmt.Errorf("stop %s: %w", id, err))
			}
			if ok, err := fl.waitVMState(ctx, id, "stopped", fl.cfg.WaitAfterPowerOff); err != nil {
				return workflow.Outcome{}, err
			} else if !ok {
				msg := fmt.Sprintf("Instance %s did not stop within %s.", id, fl.cfg.WaitAfterPowerOff)
				_ = job.Checkpoint(ctx, step("stop_instance", store.StepStateFailure, 1, msg, nil))
				return finish(StatusError, msg), nil
			}
		}
		if err := job.Checkpoint(ctx, step("stop_instance", store.StepStateSuccess, 1, fmt.Sprintf("Stopped instance: '%s'", id), nil)); err != nil {
			return workflow.Outcome{}, err
		}
	}
	if !job.Succeeded("start_instance", "") {
		srv, err := fl.compute.Server(ctx, id)
		if err != nil {
			return workflow.Outcome{}, ctxErr(ctx, fmt.Errorf("read server %s: %w", id, err))
		}
		switch srv.VMState {
		case "stopped":
			if err := job.Valid(); err != nil {
				return workflow.Outcome{}, err
			}
			if err := fl.compute.StartServer(ctx, id); err != nil && !errors.Is(err, ErrConflict) {
				return workflow.Outcome{}, ctxErr(ctx, fmt.Errorf("start %s: %w", id, err))
			}
		case "active":
			// Started by an earlier run that did not get to journal it.
		default:
			msg := fmt.Sprintf("Invalid state for Instance %s. Expected state: 'STOPPED', Actual state: '%s'", id, srv.VMState)
			_ = job.Checkpoint(ctx, step("start_instance", store.StepStateFailure, 1, msg, nil))
			return finish(StatusError, msg), nil
		}
		if err := job.Checkpoint(ctx, step("start_instance", store.StepStateSuccess, 1, fmt.Sprintf("Starting instance: '%s'", id), nil)); err != nil {
			return workflow.Outcome{}, err
		}
	}
	ok, err := fl.waitVMState(ctx, id, "active", fl.cfg.WaitAfterPowerOn)
	if err != nil {
		return workflow.Outcome{}, err
	}
	if !ok {
		msg := fmt.Sprintf("Instance %s did not become ACTIVE within %s.", id, fl.cfg.WaitAfterPowerOn)
		_ = job.Checkpoint(ctx, step("confirm_instance_active", store.StepStateFailure, 1, msg, nil))
		return finish(StatusError, msg), nil
	}
	fl.metrics.Step("instance", "restart", time.Since(start))
	if err := job.Checkpoint(ctx, step("confirm_instance_active", store.StepStateSuccess, 1, fmt.Sprintf("Instance '%s' is ACTIVE", id), nil)); err != nil {
		return workflow.Outcome{}, err
	}
	return finish(StatusFinished, ""), nil
}

// waitVMState polls until the server is idle in state, or timeout.
func (fl *Flows) waitVMState(ctx context.Context, id, state string, timeout time.Duration) (bool, error) {
	deadline := time.Now().Add(timeout)
	for {
		srv, err := fl.compute.Server(ctx, id)
		if err == nil && srv.VMState == state && srv.TaskState == "" {
			return true, nil
		}
		if ctx.Err() != nil {
			return false, context.Cause(ctx)
		}
		if time.Now().After(deadline) {
			return false, nil
		}
		if err := sleep(ctx, fl.cfg.VerifyInterval); err != nil {
			return false, err
		}
	}
}
