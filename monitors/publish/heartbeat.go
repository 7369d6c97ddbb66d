package publish

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/lazarus-ha/lazarus/monitors/event"
	"github.com/lazarus-ha/lazarus/monitors/wire"
)

// HeartbeatSender publishes heartbeats to RabbitMQ: transient, unconfirmed,
// on one connection dialled lazily and dropped on any error. A heartbeat
// that is lost is simply replaced by the next one.
type HeartbeatSender struct {
	dialer  *wire.Dialer
	queue   string
	timeout time.Duration

	mu   sync.Mutex
	conn *amqp.Connection
	ch   *amqp.Channel
}

// NewHeartbeatSender returns a sender for the heartbeat queue of the
// notification queue queue; transportURL is [DEFAULT] transport_url.
func NewHeartbeatSender(transportURL, queue string) (*HeartbeatSender, error) {
	const timeout = 5 * time.Second
	d, err := wire.NewDialer(transportURL, wire.DialConfig{Name: "lazarus heartbeats", Timeout: timeout})
	if err != nil {
		return nil, fmt.Errorf("[DEFAULT] transport_url: %w", err)
	}
	return &HeartbeatSender{dialer: d, queue: queue, timeout: timeout}, nil
}

// Send publishes one heartbeat.
func (s *HeartbeatSender) Send(ctx context.Context, h *event.Heartbeat) error {
	body, err := h.Encode()
	if err != nil {
		return fmt.Errorf("encode heartbeat: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ch == nil || s.ch.IsClosed() || s.conn.IsClosed() {
		s.dropLocked()
		conn, _, err := s.dialer.Dial()
		if err != nil {
			return fmt.Errorf("dial broker: %w", err)
		}
		ch, err := conn.Channel()
		if err != nil {
			conn.Close()
			return fmt.Errorf("open channel: %w", err)
		}
		if err := wire.DeclareHeartbeatQueue(ch, s.queue); err != nil {
			conn.Close()
			return err
		}
		s.conn, s.ch = conn, ch
	}
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	if err := s.ch.PublishWithContext(ctx, "", wire.HeartbeatQueue(s.queue), false, false, amqp.Publishing{
		ContentType: "application/json", DeliveryMode: amqp.Transient, Type: event.HeartbeatType,
		Timestamp: h.SentAt, Body: body,
	}); err != nil {
		s.dropLocked()
		return fmt.Errorf("publish heartbeat: %w", err)
	}
	return nil
}

func (s *HeartbeatSender) dropLocked() {
	if s.conn != nil {
		_ = s.conn.Close()
	}
	s.conn, s.ch = nil, nil
}

// Close closes the connection.
func (s *HeartbeatSender) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.dropLocked()
	return nil
}

// HeartbeatPublisher is what Heartbeats needs to send one heartbeat.
type HeartbeatPublisher interface {
	Send(ctx context.Context, h *event.Heartbeat) error
}

// Heartbeats sends a heartbeat from source every interval until ctx ends.
// It runs on its own goroutine and never touches the event spool, so it
// cannot delay an event; a failed send is logged at debug and counted.
type Heartbeats struct {
	interval time.Duration
	source   func() *event.Heartbeat
	pub      HeartbeatPublisher
	log      *slog.Logger
	sent     prometheus.Counter
	failed   prometheus.Counter
}

// NewHeartbeats returns the loop. reg may be nil.
func NewHeartbeats(interval time.Duration, source func() *event.Heartbeat, pub HeartbeatPublisher, log *slog.Logger, reg prometheus.Registerer) *Heartbeats {
	h := &Heartbeats{interval: interval, source: source, pub: pub, log: log,
		sent: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "lazarus_monitor_heartbeats_sent_total", Help: "Heartbeats handed to the broker."}),
		failed: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "lazarus_monitor_heartbeat_failures_total", Help: "Heartbeats that could not be published (they are not retried)."}),
	}
	if reg != nil {
		reg.MustRegister(h.sent, h.failed)
	}
	return h
}

// Run sends one heartbeat at once and then one every interval.
func (h *Heartbeats) Run(ctx context.Context) {
	t := time.NewTicker(h.interval)
	defer t.Stop()
	for {
		hb := h.source()
		if err := h.pub.Send(ctx, hb); err != nil {
			h.failed.Inc()
			h.log.DebugContext(ctx, "heartbeat not published", "err", err)
		} else {
			h.sent.Inc()
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
