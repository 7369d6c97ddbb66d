package recovery

import (
	"context"
	"fmt"

	"github.com/lazarus-ha/lazarus/engine/workflow"
	"github.com/lazarus-ha/lazarus/store"
)

// processFailure acts only on nova-compute STOPPED: the host goes on
// maintenance and its compute service is disabled and confirmed disabled.
// Unlike Masakari, another process's failure (sshd, libvirtd) does not put
// the host on maintenance: the process monitor restarts those, and a sticky
// maintenance flag would block every later host failure notification.
func (fl *Flows) processFailure(ctx context.Context, job *workflow.Job) (workflow.Outcome, error) {
	r := job.Recovery
	if r.Payload["event"] != "STOPPED" {
		return finish(StatusFinished, ""), nil
	}
	if name := r.Payload["process_name"]; name != "nova-compute" {
		return finish(StatusFinished, fmt.Sprintf("Process %s: nothing for the engine to recover.", name)), nil
	}
	if !job.Succeeded("maintenance", "") {
		if err := ledgerOf(job).setMaintenance(ctx,
			step("maintenance", store.StepStateSuccess, 1, fmt.Sprintf("Host '%s' set on maintenance", r.HostName), nil)); err != nil {
			return workflow.Outcome{}, err
		}
	}
	return fl.disableCompute(ctx, job, fl.cfg.ProcessDisableReason)
}
