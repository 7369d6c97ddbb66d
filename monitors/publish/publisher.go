package publish

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/google/uuid"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/lazarus-ha/lazarus/monitors/event"
)

// MaxBatch is the most events sent in one batch.
const MaxBatch = 256

// Config configures a Publisher.
type Config struct {
	// RetryMin is the first wait after a failed send. Default 500ms.
	RetryMin time.Duration
	// RetryMax caps the doubling wait between failed sends. Default 10s.
	RetryMax time.Duration
}

// Publisher spools events and delivers them with a Sender. Publish is safe
// for concurrent use; Run must be running for anything to leave the spool.
type Publisher struct {
	cfg    Config
	spool  *Spool
	sender Sender
	log    *slog.Logger
	kick   chan struct{}

	published  prometheus.Counter
	delivered  prometheus.Counter
	failures   prometheus.Counter
	spoolDepth prometheus.GaugeFunc
	dropped    prometheus.CounterFunc
}

// New returns a publisher over spool and sender. reg may be nil.
func New(cfg Config, spool *Spool, sender Sender, log *slog.Logger, reg prometheus.Registerer) *Publisher {
	if cfg.RetryMin <= 0 {
		cfg.RetryMin = 500 * time.Millisecond
	}
	if cfg.RetryMax <= 0 {
		cfg.RetryMax = 10 * time.Second
	}
	p := &Publisher{
		cfg: cfg, spool: spool, sender: sender, log: log,
		kick: make(chan struct{}, 1),
		published: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "lazarus_monitor_events_published_total", Help: "Events written to the spool."}),
		delivered: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "lazarus_monitor_events_delivered_total", Help: "Events confirmed by the receiver and removed from the spool."}),
		failures: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "lazarus_monitor_send_failures_total", Help: "Failed send attempts (events nacked, returned, timed out or broker unreachable)."}),
	}
	p.spoolDepth = prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "lazarus_monitor_spool_events", Help: "Events in the spool, not yet confirmed."},
		func() float64 { return float64(spool.Len()) })
	p.dropped = prometheus.NewCounterFunc(prometheus.CounterOpts{
		Name: "lazarus_monitor_spool_dropped_total", Help: "Events dropped because the spool was full."},
		func() float64 { return float64(spool.Dropped()) })
	if reg != nil {
		reg.MustRegister(p.published, p.delivered, p.failures, p.spoolDepth, p.dropped)
	}
	return p
}

// NewEvent returns an event with a fresh id, the schema version and the
// current time filled in; the caller sets the rest.
func NewEvent(monitor, observer string, n event.Notification) *event.Event {
	now := time.Now().UTC()
	if n.GeneratedTime.IsZero() {
		n.GeneratedTime = now
	}
	return &event.Event{
		Version:      event.Version,
		ID:           uuid.NewString(),
		Observer:     observer,
		Monitor:      monitor,
		SentAt:       now,
		Notification: n,
	}
}

// Publish makes e durable in the spool and wakes the sender. It returns once
// e is on disk; delivery happens in Run.
func (p *Publisher) Publish(_ context.Context, e *event.Event) error {
	if err := p.spool.Put(e); err != nil {
		return fmt.Errorf("spool event %s: %w", e.ID, err)
	}
	p.published.Inc()
	p.log.Info("event spooled", "event_id", e.ID, "type", e.Notification.Type,
		"hostname", e.Notification.Hostname, "payload", e.Notification.Payload)
	select {
	case p.kick <- struct{}{}:
	default:
	}
	return nil
}

// Pending is the number of events not yet confirmed.
func (p *Publisher) Pending() int { return p.spool.Len() }

// Run delivers spooled events until ctx ends, oldest first; events left in
// the spool at restart are replayed first.
func (p *Publisher) Run(ctx context.Context) error {
	defer p.sender.Close()
	wait := p.cfg.RetryMin
	lastErr := ""
	for {
		batch := p.spool.Oldest(MaxBatch)
		if len(batch) == 0 {
			select {
			case <-ctx.Done():
				return nil
			case <-p.kick:
				continue
			}
		}
		events := make([]*event.Event, len(batch))
		for i, b := range batch {
			events[i] = b.Event
		}
		errs := p.sender.Send(ctx, events)
		var done []Spooled
		var firstErr error
		for i, err := range errs {
			if err == nil {
				done = append(done, batch[i])
			} else if firstErr == nil {
				firstErr = err
			}
		}
		if err := p.spool.Remove(done); err != nil {
			p.log.Error("remove delivered events from spool", "err", err)
		}
		p.delivered.Add(float64(len(done)))
		if firstErr == nil {
			if lastErr != "" {
				p.log.Info("delivery recovered", "pending", p.spool.Len())
			}
			wait, lastErr = p.cfg.RetryMin, ""
			continue
		}
		p.failures.Inc()
		if msg := firstErr.Error(); msg != lastErr {
			// Log a retry only when its reason changes.
			p.log.Warn("delivery failed, events kept in spool", "err", firstErr,
				"failed", len(batch)-len(done), "pending", p.spool.Len(), "retry_in", wait)
			lastErr = msg
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil
		case <-t.C:
		}
		wait = min(2*wait, p.cfg.RetryMax)
	}
}
