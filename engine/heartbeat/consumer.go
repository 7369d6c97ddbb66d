package heartbeat

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/lazarus-ha/lazarus/monitors/event"
	"github.com/lazarus-ha/lazarus/monitors/wire"
	"github.com/lazarus-ha/lazarus/store"
)

// Store is what the package needs of the store.
type Store interface {
	MonitorHeartbeatsUpsert(ctx context.Context, beats []store.MonitorHeartbeat) error
	MonitorHeartbeatCounts(ctx context.Context, known, fresh time.Duration) (int, int, error)
}

// Config configures a Consumer.
type Config struct {
	// URL is [DEFAULT] transport_url (see monitors/wire).
	URL string
	// Queue is the notification queue; heartbeats come from
	// wire.HeartbeatQueue(Queue).
	Queue string
	// FlushInterval is how often the collected heartbeats are written.
	// Default 1s.
	FlushInterval time.Duration
	// MaxBackoff caps the redial backoff. Default 10s.
	MaxBackoff time.Duration
}

// Consumer moves heartbeats from RabbitMQ into monitor_heartbeats.
type Consumer struct {
	cfg    Config
	st     Store
	log    *slog.Logger
	dialer *wire.Dialer

	mu      sync.Mutex
	pending map[string]store.MonitorHeartbeat

	received, invalid, written atomic.Int64

	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// NewConsumer returns a Consumer; Start starts it.
func NewConsumer(cfg Config, st Store, log *slog.Logger) *Consumer {
	if cfg.FlushInterval <= 0 {
		cfg.FlushInterval = time.Second
	}
	if cfg.MaxBackoff <= 0 {
		cfg.MaxBackoff = 10 * time.Second
	}
	if cfg.Queue == "" {
		cfg.Queue = wire.DefaultQueue
	}
	return &Consumer{cfg: cfg, st: st, pending: map[string]store.MonitorHeartbeat{},
		log: log.With("component", "engine.heartbeat", "queue", wire.HeartbeatQueue(cfg.Queue))}
}

// Start launches the consumer and the writer. It returns at once;
// connection problems are retried in the background.
func (c *Consumer) Start(ctx context.Context) error {
	if c.cfg.URL == "" {
		return errors.New("heartbeat consumer: [DEFAULT] transport_url is empty")
	}
	d, err := wire.NewDialer(c.cfg.URL, wire.DialConfig{Name: "lazarus-engine heartbeats"})
	if err != nil {
		return fmt.Errorf("heartbeat consumer: [DEFAULT] transport_url: %w", err)
	}
	c.dialer = d
	ctx, c.cancel = context.WithCancel(ctx)
	c.wg.Go(func() { c.supervise(ctx) })
	c.wg.Go(func() { c.writer(ctx) })
	return nil
}

// Stop ends both loops, writes what was collected and waits.
func (c *Consumer) Stop() {
	if c.cancel != nil {
		c.cancel()
	}
	c.wg.Wait()
}

// Stats are the consumer's counters: heartbeats received, dropped as
// invalid, and rows written.
func (c *Consumer) Stats() (received, invalid, written int64) {
	return c.received.Load(), c.invalid.Load(), c.written.Load()
}

// Register exports the counters as Prometheus metrics on reg.
func (c *Consumer) Register(reg prometheus.Registerer) {
	reg.MustRegister(
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "lazarus_engine_heartbeats_received_total",
			Help: "Monitor heartbeats received from the broker."}, func() float64 { return float64(c.received.Load()) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "lazarus_engine_heartbeats_invalid_total",
			Help: "Monitor heartbeats dropped because they did not decode."}, func() float64 { return float64(c.invalid.Load()) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "lazarus_engine_heartbeat_rows_written_total",
			Help: "monitor_heartbeats rows written (one per host per flush)."}, func() float64 { return float64(c.written.Load()) }),
	)
}

func (c *Consumer) supervise(ctx context.Context) {
	backoff := 100 * time.Millisecond
	for ctx.Err() == nil {
		start := time.Now()
		err := c.session(ctx)
		if ctx.Err() != nil {
			return
		}
		if time.Since(start) > 30*time.Second {
			backoff = 100 * time.Millisecond
		}
		c.log.WarnContext(ctx, "heartbeat session ended; redialling", "err", err, "backoff", backoff)
		t := time.NewTimer(backoff)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
		backoff = min(backoff*2, c.cfg.MaxBackoff)
	}
}

// session consumes with automatic acks: a heartbeat lost in a crash is
// replaced by the next one.
func (c *Consumer) session(ctx context.Context) error {
	conn, _, err := c.dialer.Dial()
	if err != nil {
		return fmt.Errorf("dial broker: %w", err)
	}
	defer conn.Close()
	ch, err := conn.Channel()
	if err != nil {
		return fmt.Errorf("open channel: %w", err)
	}
	if err := wire.DeclareHeartbeatQueue(ch, c.cfg.Queue); err != nil {
		return err
	}
	if err := ch.Qos(256, 0, false); err != nil {
		return fmt.Errorf("set prefetch: %w", err)
	}
	deliveries, err := ch.ConsumeWithContext(ctx, wire.HeartbeatQueue(c.cfg.Queue), "", true, false, false, false, nil)
	if err != nil {
		return fmt.Errorf("consume: %w", err)
	}
	c.log.InfoContext(ctx, "consuming heartbeats")
	closed := conn.NotifyClose(make(chan *amqp.Error, 1))
	for {
		select {
		case <-ctx.Done():
			return nil
		case e := <-closed:
			if e == nil {
				return errors.New("connection closed")
			}
			return e
		case d, ok := <-deliveries:
			if !ok {
				return errors.New("delivery channel closed")
			}
			c.take(ctx, d.Body)
		}
	}
}

func (c *Consumer) take(ctx context.Context, body []byte) {
	h, err := event.DecodeHeartbeat(body)
	if err != nil {
		c.invalid.Add(1)
		c.log.DebugContext(ctx, "invalid heartbeat dropped", "err", err)
		return
	}
	c.received.Add(1)
	c.mu.Lock()
	c.pending[h.Observer] = store.MonitorHeartbeat{Host: h.Observer, LastSeen: h.SentAt, PeersAlive: h.PeersAlive}
	c.mu.Unlock()
}

func (c *Consumer) writer(ctx context.Context) {
	t := time.NewTicker(c.cfg.FlushInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			// Write what was collected; the engine is stopping anyway.
			fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
			c.flush(fctx)
			cancel()
			return
		case <-t.C:
			c.flush(ctx)
		}
	}
}

// flush writes the collected heartbeats; on failure they are kept unless
// a newer one of the same host arrived meanwhile.
func (c *Consumer) flush(ctx context.Context) {
	c.mu.Lock()
	batch := c.pending
	c.pending = make(map[string]store.MonitorHeartbeat, len(batch))
	c.mu.Unlock()
	if len(batch) == 0 {
		return
	}
	beats := make([]store.MonitorHeartbeat, 0, len(batch))
	for _, b := range batch {
		beats = append(beats, b)
	}
	if err := c.st.MonitorHeartbeatsUpsert(ctx, beats); err != nil {
		c.log.WarnContext(ctx, "cannot record heartbeats; keeping them for the next flush", "err", err, "hosts", len(beats))
		c.mu.Lock()
		maps.Copy(batch, c.pending)
		c.pending = batch
		c.mu.Unlock()
		return
	}
	c.written.Add(int64(len(beats)))
}
