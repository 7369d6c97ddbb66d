package leader

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/lazarus-ha/lazarus/engine/recovery"
	"github.com/lazarus-ha/lazarus/store"
)

// Name is the lease row the engines compete for.
const Name = "leader"

// ServiceReader reads a host's nova-compute service.
type ServiceReader interface {
	ComputeService(ctx context.Context, host string) (recovery.Service, error)
}

// Config tunes the leader and its tasks.
type Config struct {
	Owner    string
	LeaseTTL time.Duration
	// RetryInterval spaces the retry task; MaxAttempts is how many runs a
	// notification in error gets in all (2: retry once).
	RetryInterval time.Duration
	MaxAttempts   int
	// ExpireInterval spaces the expiry task; ExpireAge is the age.
	ExpireInterval time.Duration
	ExpireAge      time.Duration
	// ClearMaintenance enables the maintenance task, every ClearInterval.
	ClearMaintenance bool
	ClearInterval    time.Duration
	// OnRetry is called after the retry task requeued recoveries (to wake
	// the local runner).
	OnRetry func()
}

// Leader runs the election and the tasks.
type Leader struct {
	st      *store.Store
	cfg     Config
	nova    ServiceReader
	log     *slog.Logger
	leading atomic.Bool
	cancel  context.CancelFunc
	wg      sync.WaitGroup
	mu      sync.Mutex
	valid   time.Time
}

// New returns a Leader; nova may be nil when ClearMaintenance is off.
func New(st *store.Store, cfg Config, nova ServiceReader, log *slog.Logger) *Leader {
	cfg.LeaseTTL = cmpOr(cfg.LeaseTTL, 15*time.Second)
	cfg.RetryInterval = cmpOr(cfg.RetryInterval, 120*time.Second)
	cfg.ExpireInterval = cmpOr(cfg.ExpireInterval, 600*time.Second)
	cfg.ExpireAge = cmpOr(cfg.ExpireAge, 24*time.Hour)
	cfg.ClearInterval = cmpOr(cfg.ClearInterval, 60*time.Second)
	cfg.MaxAttempts = cmpOr(cfg.MaxAttempts, 2)
	return &Leader{st: st, cfg: cfg, nova: nova, log: log.With("component", "engine.leader", "engine_id", cfg.Owner)}
}

func cmpOr[T comparable](v, d T) T {
	var zero T
	if v == zero {
		return d
	}
	return v
}

// IsLeader reports whether this engine leads now (within its trusted
// window).
func (l *Leader) IsLeader() bool {
	if !l.leading.Load() {
		return false
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	return time.Now().Before(l.valid)
}

// Start runs the election loop and the tasks until ctx ends or Stop.
func (l *Leader) Start(ctx context.Context) error {
	ctx, l.cancel = context.WithCancel(ctx)
	l.wg.Add(1)
	go func() {
		defer l.wg.Done()
		l.loop(ctx)
	}()
	return nil
}

// Stop ends the loop and resigns.
func (l *Leader) Stop() {
	if l.cancel != nil {
		l.cancel()
	}
	l.wg.Wait()
}

func (l *Leader) loop(ctx context.Context) {
	t := time.NewTicker(l.cfg.LeaseTTL / 3)
	defer t.Stop()
	var lastRetry, lastExpire, lastClear time.Time
	lastErr := map[string]string{}
	report := func(task string, err error) {
		if err == nil {
			delete(lastErr, task)
			return
		}
		if lastErr[task] != err.Error() {
			l.log.WarnContext(ctx, "periodic task failed", "task", task, "err", err)
		}
		lastErr[task] = err.Error()
	}
	for {
		started := time.Now()
		_, ok, err := l.st.LeaseAcquire(ctx, Name, l.cfg.Owner, l.cfg.LeaseTTL)
		report("elect", err)
		if err == nil {
			if ok && !l.leading.Load() {
				l.log.InfoContext(ctx, "elected leader")
			}
			if !ok && l.leading.Load() {
				l.log.InfoContext(ctx, "no longer leader")
			}
			l.leading.Store(ok)
			if ok {
				l.mu.Lock()
				l.valid = started.Add(l.cfg.LeaseTTL - l.cfg.LeaseTTL/5)
				l.mu.Unlock()
			}
		}
		if l.IsLeader() {
			now := time.Now()
			if now.Sub(lastRetry) >= l.cfg.RetryInterval {
				lastRetry = now
				report("retry", l.Retry(ctx))
			}
			if now.Sub(lastExpire) >= l.cfg.ExpireInterval {
				lastExpire = now
				report("expire", l.Expire(ctx))
			}
			if l.cfg.ClearMaintenance && now.Sub(lastClear) >= l.cfg.ClearInterval {
				lastClear = now
				report("clear_maintenance", l.ClearMaintenance(ctx))
			}
		}
		select {
		case <-ctx.Done():
			rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
			if l.leading.Load() {
				if err := l.st.LeaseRelease(rctx, Name, l.cfg.Owner); err != nil {
					l.log.WarnContext(rctx, "resign leadership", "err", err)
				}
			}
			cancel()
			l.leading.Store(false)
			return
		case <-t.C:
		}
	}
}

// Retry runs the retry task once.
func (l *Leader) Retry(ctx context.Context) error {
	retried, failed, err := l.st.RecoveryRetryErrored(ctx, l.cfg.MaxAttempts)
	if retried > 0 || failed > 0 {
		l.log.InfoContext(ctx, "retried notifications in error", "retried", retried, "failed", failed)
	}
	if retried > 0 && l.cfg.OnRetry != nil {
		l.cfg.OnRetry()
	}
	return err
}

// Expire runs the expiry task once.
func (l *Leader) Expire(ctx context.Context) error {
	n, err := l.st.RecoveryExpire(ctx, l.cfg.ExpireAge)
	if n > 0 {
		l.log.InfoContext(ctx, "expired notifications", "count", n)
	}
	return err
}

// ClearMaintenance runs the maintenance task once.
func (l *Leader) ClearMaintenance(ctx context.Context) error {
	if l.nova == nil {
		return nil
	}
	hosts, err := l.st.RecoveryHostsMaintainedByLazarus(ctx)
	if err != nil {
		return err
	}
	for _, h := range hosts {
		svc, err := l.nova.ComputeService(ctx, h.Name)
		if err != nil || !svc.Up() {
			continue
		}
		ok, err := l.st.RecoveryHostClearMaintenance(ctx, h.UUID)
		if err != nil {
			return err
		}
		if ok {
			l.log.InfoContext(ctx, "cleared maintenance Lazarus had set: nova-compute is up again", "host", h.Name)
		}
	}
	return nil
}
