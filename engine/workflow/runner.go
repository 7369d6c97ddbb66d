package workflow

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/lazarus-ha/lazarus/engine/metrics"
	"github.com/lazarus-ha/lazarus/store"
)

// OutcomeKind says how a run of a recovery ended.
type OutcomeKind int

const (
	// Finish ends the recovery; the notification gets Status and Message.
	Finish OutcomeKind = iota
	// Hold parks the recovery visibly (Message is the reason) and
	// re-evaluates it after After.
	Hold
	// Defer gives the recovery back as pending, due after After.
	Defer
)

// Outcome is what a Handler returns for one run of a recovery.
type Outcome struct {
	Kind    OutcomeKind
	Status  string
	Message string
	After   time.Duration
}

// Handler runs (or resumes) one recovery. It must stop at once when ctx is
// cancelled (shutdown, or the lease was lost: context.Cause is then
// store.ErrLeaseLost). A returned error is treated as transient: the
// recovery is deferred and resumed from its journal.
type Handler func(ctx context.Context, job *Job) (Outcome, error)

// Config tunes a Runner.
type Config struct {
	// Owner names this engine in leases and the journal.
	Owner string
	// LeaseTTL is how long a claim lasts without renewal (default 15s).
	LeaseTTL time.Duration
	// PollInterval is the fallback poll when no wake-up arrives (default 1s).
	PollInterval time.Duration
	// Workers is how many recoveries run at once (default 32).
	Workers int
	// ErrorBackoff is the delay after a handler error (default 5s).
	ErrorBackoff time.Duration
	// LeaseStore, if set, is a Store on its own small connection pool used
	// for claims and lease renewals, so that a busy main pool (hundreds of
	// evacuations checkpointing at once) never delays a renewal past the
	// lease: the engine would otherwise lose recoveries it is running.
	LeaseStore *store.Store
}

// Runner turns new notifications into recoveries and runs due recoveries
// under a lease. Several Runners (engines) share the tables safely.
type Runner struct {
	st      *store.Store
	cfg     Config
	handler Handler
	log     *slog.Logger
	metrics *metrics.Metrics

	wake    chan struct{}
	cancel  context.CancelFunc
	wg      sync.WaitGroup
	mu      sync.Mutex
	running map[string]context.CancelCauseFunc
}

// New returns a Runner; Start starts it.
func New(st *store.Store, cfg Config, h Handler, log *slog.Logger, m *metrics.Metrics) *Runner {
	if cfg.LeaseTTL <= 0 {
		cfg.LeaseTTL = 15 * time.Second
	}
	if cfg.PollInterval <= 0 {
		cfg.PollInterval = time.Second
	}
	if cfg.Workers <= 0 {
		cfg.Workers = 32
	}
	if cfg.ErrorBackoff <= 0 {
		cfg.ErrorBackoff = 5 * time.Second
	}
	if cfg.Owner == "" {
		panic("workflow: Config.Owner is required")
	}
	if cfg.LeaseStore == nil {
		cfg.LeaseStore = st
	}
	return &Runner{st: st, cfg: cfg, handler: h, log: log.With("component", "engine.workflow", "engine_id", cfg.Owner),
		metrics: m, wake: make(chan struct{}, 1), running: map[string]context.CancelCauseFunc{}}
}

// Wake makes the runner look for work now instead of at the next poll.
func (r *Runner) Wake() {
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

// Start launches the listener and the claim loop. They run until ctx ends
// or Stop is called.
func (r *Runner) Start(ctx context.Context) error {
	ctx, r.cancel = context.WithCancel(ctx)
	r.wg.Add(2)
	go func() { defer r.wg.Done(); r.listen(ctx) }()
	go func() { defer r.wg.Done(); r.loop(ctx) }()
	return nil
}

// Stop cancels every running recovery, gives their leases back (so another
// engine resumes them at once instead of after the TTL) and waits.
func (r *Runner) Stop() {
	if r.cancel != nil {
		r.cancel()
	}
	r.wg.Wait()
}

// listen holds one connection LISTENing on store.ChannelNotification and
// wakes the loop on every notification. Polling covers any gap.
func (r *Runner) listen(ctx context.Context) {
	for ctx.Err() == nil {
		err := r.listenOnce(ctx)
		if ctx.Err() != nil {
			return
		}
		r.log.WarnContext(ctx, "notification listener stopped; polling until it is back", "err", err)
		select {
		case <-ctx.Done():
			return
		case <-time.After(r.cfg.PollInterval):
		}
	}
}

func (r *Runner) listenOnce(ctx context.Context) error {
	conn, err := r.st.Pool().Acquire(ctx)
	if err != nil {
		return fmt.Errorf("acquire listener connection: %w", err)
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, "LISTEN "+pgx.Identifier{store.ChannelNotification}.Sanitize()); err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	defer func() {
		// The connection goes back to the pool: stop listening first.
		uctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Second)
		defer cancel()
		if _, err := conn.Exec(uctx, "UNLISTEN *"); err != nil {
			conn.Conn().Close(uctx) //nolint:errcheck // the pool drops a closed connection
		}
	}()
	for {
		if _, err := conn.Conn().WaitForNotification(ctx); err != nil {
			return fmt.Errorf("wait for notification: %w", err)
		}
		r.Wake()
	}
}

func (r *Runner) loop(ctx context.Context) {
	t := time.NewTicker(r.cfg.PollInterval)
	defer t.Stop()
	var lastErr string
	for {
		if err := r.runOnce(ctx); err != nil && ctx.Err() == nil {
			if err.Error() != lastErr {
				r.log.WarnContext(ctx, "claim loop", "err", err)
			}
			lastErr = err.Error()
		} else {
			lastErr = ""
		}
		select {
		case <-ctx.Done():
			r.drain()
			return
		case <-r.wake:
		case <-t.C:
		}
	}
}

func (r *Runner) drain() {
	r.mu.Lock()
	for _, c := range r.running {
		c(context.Canceled)
	}
	r.mu.Unlock()
}

// runOnce creates recoveries for new notifications, then claims as many
// due recoveries as there are free workers.
func (r *Runner) runOnce(ctx context.Context) error {
	for {
		res, err := r.st.RecoveryCreateFromNew(ctx, 100)
		if err != nil {
			return err
		}
		for _, c := range res {
			if c.RecoveryUUID == "" {
				r.log.InfoContext(ctx, "notification not recovered", "notification_id", c.NotificationUUID, "status", c.Status, "reason", c.Message)
			}
		}
		if len(res) < 100 {
			break
		}
	}
	r.mu.Lock()
	free := r.cfg.Workers - len(r.running)
	r.mu.Unlock()
	if free <= 0 {
		return nil
	}
	recs, err := r.cfg.LeaseStore.RecoveryClaim(ctx, &store.RecoveryClaimParams{Owner: r.cfg.Owner, TTL: r.cfg.LeaseTTL, Limit: free})
	if err != nil {
		return err
	}
	for _, rec := range recs {
		r.start(ctx, rec)
	}
	return nil
}

func (r *Runner) start(ctx context.Context, rec *store.Recovery) {
	claimedAt := time.Now()
	jctx, cancel := context.WithCancelCause(ctx)
	r.mu.Lock()
	r.running[rec.UUID] = cancel
	r.mu.Unlock()
	r.metrics.Running(1)
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		defer func() {
			r.mu.Lock()
			delete(r.running, rec.UUID)
			r.mu.Unlock()
			r.metrics.Running(-1)
			cancel(nil)
			r.Wake()
		}()
		r.run(jctx, cancel, rec, claimedAt)
	}()
}

func (r *Runner) run(ctx context.Context, cancel context.CancelCauseFunc, rec *store.Recovery, claimedAt time.Time) {
	log := r.log.With("workflow_id", rec.UUID, "notification_id", rec.NotificationUUID, "host", rec.HostName,
		"kind", rec.Kind, "epoch", rec.Lease.Epoch, "attempt", rec.Attempt)
	job := &Job{Recovery: rec, Log: log, st: r.st, ttl: r.cfg.LeaseTTL}
	job.setValid(claimedAt)
	journal, err := r.st.RecoverySteps(ctx, rec.UUID)
	if err != nil {
		log.WarnContext(ctx, "read journal", "err", err)
		r.release(ctx, job, r.cfg.ErrorBackoff)
		return
	}
	job.journal = journal
	if len(journal) == 0 {
		log.InfoContext(ctx, "recovery claimed")
	} else {
		// Another engine (or this one, before a restart) got this far.
		log.InfoContext(ctx, "recovery resumed", "journal_rows", len(journal), "last_step", journal[len(journal)-1].Name,
			"last_owner", journal[len(journal)-1].Owner)
	}

	renewDone := make(chan struct{})
	go func() {
		defer close(renewDone)
		r.renew(ctx, cancel, job)
	}()
	out, herr := r.handler(ctx, job)
	cancel(nil) // stops the renewer
	<-renewDone

	lost := errors.Is(herr, store.ErrLeaseLost) || errors.Is(context.Cause(ctx), store.ErrLeaseLost)
	if lost {
		log.WarnContext(ctx, "lease lost; another engine owns the recovery now")
		return
	}
	// Record the outcome even though ctx is cancelled by now; a bounded,
	// uncancelled context keeps shutdown from dropping it.
	octx, ocancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer ocancel()
	if herr != nil {
		if errors.Is(herr, context.Canceled) {
			r.release(octx, job, 0)
			return
		}
		log.WarnContext(ctx, "recovery run failed; it will resume from its journal", "err", herr)
		r.release(octx, job, r.cfg.ErrorBackoff)
		return
	}
	var err2 error
	switch out.Kind {
	case Finish:
		err2 = r.st.RecoveryFinish(octx, job.Lease(), out.Status, out.Message)
		if err2 == nil {
			r.metrics.Notification(rec.NotificationType, out.Status)
			log.InfoContext(ctx, "recovery finished", "status", out.Status, "message", out.Message)
		}
	case Hold:
		err2 = r.st.RecoveryHold(octx, job.Lease(), out.Message, out.After)
		if err2 == nil {
			log.WarnContext(ctx, "recovery held", "reason", out.Message, "recheck", out.After)
		}
	case Defer:
		err2 = r.st.RecoveryDefer(octx, job.Lease(), out.After)
	}
	if err2 != nil {
		log.WarnContext(ctx, "record recovery outcome", "err", err2)
	}
	if err2 == nil && out.Kind != Finish && out.After < r.cfg.PollInterval {
		// Due before the next poll: look again when it is due.
		time.AfterFunc(out.After, r.Wake)
	}
}

func (r *Runner) release(ctx context.Context, job *Job, after time.Duration) {
	if err := r.st.RecoveryDefer(ctx, job.Lease(), after); err != nil && !errors.Is(err, store.ErrLeaseLost) {
		job.Log.WarnContext(ctx, "give back recovery", "err", err)
	}
}

// renew extends the lease every TTL/3. On ErrLeaseLost, or when the local
// trusted window passes without a successful renewal (database
// unreachable), it cancels the job with store.ErrLeaseLost.
func (r *Runner) renew(ctx context.Context, cancel context.CancelCauseFunc, job *Job) {
	every := r.cfg.LeaseTTL / 3
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		started := time.Now()
		rctx, rcancel := context.WithTimeout(ctx, every)
		_, err := r.cfg.LeaseStore.RecoveryLeaseRenew(rctx, job.Lease(), r.cfg.LeaseTTL)
		rcancel()
		switch {
		case err == nil:
			job.setValid(started)
		case errors.Is(err, store.ErrLeaseLost):
			cancel(store.ErrLeaseLost)
			return
		case ctx.Err() != nil:
			return
		default:
			job.Log.WarnContext(ctx, "renew lease", "err", err)
			if job.Valid() != nil {
				cancel(store.ErrLeaseLost)
				return
			}
		}
	}
}
