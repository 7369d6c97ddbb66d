package workflow

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/lazarus-ha/lazarus/store"
)

// Job is one claimed recovery as a flow sees it: its row, its journal, and
// lease-checked ways to record progress.
type Job struct {
	Recovery *store.Recovery
	Log      *slog.Logger

	st  *store.Store
	ttl time.Duration

	mu         sync.Mutex
	journal    []store.StepEntry
	validUntil time.Time
}

// NewJob builds a Job outside a Runner (tests, tools).
func NewJob(st *store.Store, rec *store.Recovery, journal []store.StepEntry, ttl time.Duration, log *slog.Logger) *Job {
	j := &Job{Recovery: rec, Log: log, st: st, ttl: ttl, journal: journal}
	j.setValid(time.Now())
	return j
}

// Lease is the job's current lease.
func (j *Job) Lease() store.Lease { return j.Recovery.Lease }

// Store is the store the job records into.
func (j *Job) Store() *store.Store { return j.st }

// setValid starts the local trusted window at t, the time the lease was
// last proven (claim or renewal request start): TTL minus a fifth margin
// for clock rate differences and the round trip.
func (j *Job) setValid(t time.Time) {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.validUntil = t.Add(j.ttl - j.ttl/5)
}

// Valid returns store.ErrLeaseLost when the local trusted window of the
// lease has passed. Flows call it right before every side effect (fence,
// evacuate), after the lease-checked intent, so a paused engine that wakes
// up after its lease may have moved on does not act.
func (j *Job) Valid() error {
	j.mu.Lock()
	defer j.mu.Unlock()
	if time.Now().After(j.validUntil) {
		return store.ErrLeaseLost
	}
	return nil
}

// Journal returns a copy of the journal as known to this job.
func (j *Job) Journal() []store.StepEntry {
	j.mu.Lock()
	defer j.mu.Unlock()
	return append([]store.StepEntry(nil), j.journal...)
}

// Result returns the latest result row of step name (and item), if any.
func (j *Job) Result(name, item string) (store.StepEntry, bool) {
	j.mu.Lock()
	defer j.mu.Unlock()
	for i := len(j.journal) - 1; i >= 0; i-- {
		e := j.journal[i]
		if e.Name == name && e.Item == item && e.Phase == store.StepPhaseResult {
			return e, true
		}
	}
	return store.StepEntry{}, false
}

// Succeeded reports whether step name (and item) has a SUCCESS result.
func (j *Job) Succeeded(name, item string) bool {
	e, ok := j.Result(name, item)
	return ok && e.State == store.StepStateSuccess
}

// Checkpoint journals entries in one lease-checked transaction.
func (j *Job) Checkpoint(ctx context.Context, entries ...store.StepEntry) error {
	return j.Tx(ctx, nil, entries...)
}

// Tx runs fn and journals entries in one lease-checked transaction: the
// epoch is checked and recorded with the checkpoint (invariant 2).
func (j *Job) Tx(ctx context.Context, fn func(pgx.Tx) error, entries ...store.StepEntry) error {
	l := j.Lease()
	err := j.st.RecoveryTx(ctx, l, func(tx pgx.Tx) error {
		if fn != nil {
			if err := fn(tx); err != nil {
				return err
			}
		}
		return store.StepAppendTx(ctx, tx, l, entries...)
	})
	if err != nil {
		return fmt.Errorf("checkpoint: %w", err)
	}
	j.mu.Lock()
	now := time.Now()
	for _, e := range entries {
		e.Epoch, e.Owner, e.CreatedAt = l.Epoch, l.Owner, now
		j.journal = append(j.journal, e)
	}
	j.mu.Unlock()
	j.logEntries(ctx, entries)
	return nil
}

// logEntries logs each journaled entry once it is committed: the journal's
// messages say what was decided and why, so the engine's log of a recovery
// reads as its story (and an operator reading the log sees what the API
// shows). Holds and failures are warnings.
func (j *Job) logEntries(ctx context.Context, entries []store.StepEntry) {
	if j.Log == nil {
		return
	}
	for _, e := range entries {
		lvl := slog.LevelInfo
		if e.State == store.StepStateHeld || e.State == store.StepStateFailure {
			lvl = slog.LevelWarn
		}
		attrs := []any{"step", e.Name, "phase", e.Phase, "state", e.State}
		if e.Item != "" {
			attrs = append(attrs, "item", e.Item)
		}
		j.Log.Log(ctx, lvl, e.Message, attrs...)
	}
}
