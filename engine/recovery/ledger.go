package recovery

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/lazarus-ha/lazarus/engine/workflow"
	"github.com/lazarus-ha/lazarus/store"
)

// ledger is the flows' one way to the database besides the journal itself
// (job.Checkpoint, job.Result): each write changes its row in the same
// lease-checked transaction as the step entries that journal it (the
// epoch is checked and recorded there, invariant 2), and the reads are the
// few the flows make. Nothing else in the package sees a transaction.
type ledger struct{ job *workflow.Job }

func ledgerOf(job *workflow.Job) ledger { return ledger{job: job} }

// errHeld is what the fence gate's transaction returns to roll back its
// intent when the storm brake holds.
var errHeld = errors.New("hold")

// setMaintenance puts the failed host on maintenance, remembered as set by
// Lazarus, with the entries that journal why.
func (l ledger) setMaintenance(ctx context.Context, entries ...store.StepEntry) error {
	r := l.job.Recovery
	return l.job.Tx(ctx, func(tx pgx.Tx) error { return store.RecoveryHostSetMaintenanceTx(ctx, tx, r.HostUUID) }, entries...)
}

// insertPendingVMoves writes one pending vmoves row per selected instance
// with the selection's entries.
func (l ledger) insertPendingVMoves(ctx context.Context, moves []store.VMove, entries ...store.StepEntry) error {
	r := l.job.Recovery
	return l.job.Tx(ctx, func(tx pgx.Tx) error { return store.VMoveInsertPendingTx(ctx, tx, r.NotificationUUID, moves) }, entries...)
}

// updateVMove sets an instance's vmove (status, destination, message) with
// the entry that journals it.
func (l ledger) updateVMove(ctx context.Context, id, status, dest, msg string, entry store.StepEntry) error {
	r := l.job.Recovery
	return l.job.Tx(ctx, func(tx pgx.Tx) error { return store.VMoveUpdateTx(ctx, tx, r.NotificationUUID, id, status, dest, msg) }, entry)
}

// evacuateIntent journals that the instance's evacuation to target is
// about to be issued, with its vmove ongoing: a resumed recovery then
// reads Nova's migrations before it issues anything (invariant 3).
func (l ledger) evacuateIntent(ctx context.Context, id, target string, attempt int) error {
	return l.updateVMove(ctx, id, "ongoing", target, "", store.StepEntry{Name: "evacuate", Item: id, Phase: store.StepPhaseIntent,
		State: store.StepStateRunning, Progress: 0.5, Message: fmt.Sprintf("Evacuation of instance started: '%s' to '%s'", id, target),
		Detail: map[string]any{"target": target, "attempt": attempt}})
}

// unreserveHost marks a reserved host no longer reserved, with its entry.
func (l ledger) unreserveHost(ctx context.Context, hostUUID string, entry store.StepEntry) error {
	return l.job.Tx(ctx, func(tx pgx.Tx) error { return store.RecoveryHostUnreserveTx(ctx, tx, hostUUID) }, entry)
}

// fenceGate journals the fence intent only if open lets it: open sees the
// segment's failure statistics under the segment's fence-gate lock, so
// two recoveries of one segment decide one after the other. held is true
// (and nothing journaled) when open said no.
func (l ledger) fenceGate(ctx context.Context, window time.Duration, open func(store.SegmentFailureStats) bool, intent store.StepEntry) (held bool, err error) {
	r := l.job.Recovery
	err = l.job.Tx(ctx, func(tx pgx.Tx) error {
		st, err := store.RecoverySegmentFailureStatsTx(ctx, tx, r.SegmentUUID, r.UUID, window)
		if err != nil {
			return err
		}
		if !open(st) {
			return errHeld
		}
		return nil
	}, intent)
	if errors.Is(err, errHeld) {
		return true, nil
	}
	return false, err
}

// observers are the monitors' reports merged into the notification.
func (l ledger) observers(ctx context.Context) ([]store.Observer, error) {
	return l.job.Store().NotificationObservers(ctx, l.job.Recovery.NotificationUUID)
}

// segmentHosts are the hosts of the recovery's segment.
func (l ledger) segmentHosts(ctx context.Context) ([]store.RecoveryHost, error) {
	return l.job.Store().RecoveryHostsOfSegment(ctx, l.job.Recovery.SegmentUUID)
}
