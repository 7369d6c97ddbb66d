package publish

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/lazarus-ha/lazarus/monitors/event"
	"github.com/lazarus-ha/lazarus/monitors/wire"
)

// Sender hands a batch of events to the receiver. Send returns one error per
// event, in order; a nil entry means the receiver has durably taken that
// event and it may leave the spool.
type Sender interface {
	Send(ctx context.Context, batch []*event.Event) []error
	Close() error
}

// ErrReturned is the error of an event the broker returned as unroutable.
var ErrReturned = errors.New("returned by the broker as unroutable")

// AMQPConfig configures an AMQPSender.
type AMQPConfig struct {
	// URL is [DEFAULT] transport_url: rabbit:// or amqp://, one host or
	// several for failover (see monitors/wire).
	URL string
	// Queue is the notification queue, declared durable and quorum.
	Queue string
	// DialTimeout bounds one TCP+AMQP connect. Default 5s.
	DialTimeout time.Duration
	// ConfirmTimeout bounds the wait for a batch's confirms. Default 10s.
	ConfirmTimeout time.Duration
	// Heartbeat is the AMQP heartbeat. Default 10s.
	Heartbeat time.Duration
}

// AMQPSender publishes events to RabbitMQ on the default exchange with the
// queue name as routing key: persistent, mandatory, confirmed. It keeps one
// connection and drops it on any error; the next Send dials again. It does
// not use the library's automatic recovery, because that resolves pending
// confirms as nacks behind our back and republishes topology we prefer to
// declare ourselves.
type AMQPSender struct {
	cfg    AMQPConfig
	log    *slog.Logger
	dialer *wire.Dialer

	mu      sync.Mutex
	conn    *amqp.Connection
	ch      *amqp.Channel
	returns chan amqp.Return
	// Returned counts messages the broker returned (unroutable).
	returned int
}

// NewAMQPSender returns a sender; it dials lazily on the first Send. Its
// only error is a transport URL that does not parse.
func NewAMQPSender(cfg AMQPConfig, log *slog.Logger) (*AMQPSender, error) {
	if cfg.DialTimeout <= 0 {
		cfg.DialTimeout = 5 * time.Second
	}
	if cfg.ConfirmTimeout <= 0 {
		cfg.ConfirmTimeout = 10 * time.Second
	}
	if cfg.Heartbeat <= 0 {
		cfg.Heartbeat = 10 * time.Second
	}
	d, err := wire.NewDialer(cfg.URL, wire.DialConfig{Name: "lazarus monitor events", Timeout: cfg.DialTimeout, Heartbeat: cfg.Heartbeat})
	if err != nil {
		return nil, fmt.Errorf("[DEFAULT] transport_url: %w", err)
	}
	return &AMQPSender{cfg: cfg, log: log, dialer: d}, nil
}

// connect makes sure a channel in confirm mode with the queue declared is
// open. Called with mu held.
func (s *AMQPSender) connect() error {
	if s.ch != nil && !s.ch.IsClosed() && !s.conn.IsClosed() {
		return nil
	}
	s.dropLocked()
	conn, broker, err := s.dialer.Dial()
	if err != nil {
		return fmt.Errorf("dial broker: %w", err)
	}
	ch, err := conn.Channel()
	if err != nil {
		conn.Close()
		return fmt.Errorf("open channel: %w", err)
	}
	if err := ch.Confirm(false); err != nil {
		conn.Close()
		return fmt.Errorf("enable confirms: %w", err)
	}
	if err := wire.DeclareNotificationQueue(ch, s.cfg.Queue); err != nil {
		conn.Close()
		return err
	}
	// Large enough for any batch: the library's reader blocks on a full
	// channel, and returns are drained after every batch.
	s.returns = ch.NotifyReturn(make(chan amqp.Return, 2*MaxBatch))
	s.conn, s.ch = conn, ch
	s.log.Info("connected to broker", "broker", broker, "queue", s.cfg.Queue)
	return nil
}

func (s *AMQPSender) dropLocked() {
	if s.conn != nil {
		_ = s.conn.Close()
	}
	s.conn, s.ch, s.returns = nil, nil, nil
}

// Send publishes the batch and waits for every confirm. An event succeeds
// only if it was acked and not returned.
func (s *AMQPSender) Send(ctx context.Context, batch []*event.Event) []error {
	s.mu.Lock()
	defer s.mu.Unlock()
	errs := make([]error, len(batch))
	fail := func(from int, err error) []error {
		for i := from; i < len(batch); i++ {
			if errs[i] == nil {
				errs[i] = err
			}
		}
		return errs
	}
	if err := s.connect(); err != nil {
		return fail(0, err)
	}
	ctx, cancel := context.WithTimeoutCause(ctx, s.cfg.ConfirmTimeout, errors.New("broker confirm timeout"))
	defer cancel()
	confirms := make([]*amqp.DeferredConfirmation, len(batch))
	for i, e := range batch {
		body, err := e.Encode()
		if err != nil {
			errs[i] = fmt.Errorf("encode event: %w", err)
			continue
		}
		dc, err := s.ch.PublishWithDeferredConfirmWithContext(ctx, "", s.cfg.Queue, true, false, amqp.Publishing{
			ContentType:  "application/json",
			DeliveryMode: amqp.Persistent,
			MessageId:    e.ID,
			Timestamp:    e.SentAt,
			Body:         body,
		})
		if err != nil {
			s.dropLocked()
			return fail(i, fmt.Errorf("publish: %w", err))
		}
		confirms[i] = dc
	}
	for i, dc := range confirms {
		if dc == nil {
			continue
		}
		ack, err := dc.WaitContext(ctx)
		switch {
		case err != nil:
			s.dropLocked()
			return fail(i, fmt.Errorf("wait for confirm: %w", context.Cause(ctx)))
		case !ack:
			errs[i] = errors.New("nacked by the broker")
		}
	}
	// A basic.return precedes the ack of the same message on the wire and
	// the library delivers both from one reader goroutine, so every return
	// for this batch is already buffered here.
	returned := map[string]bool{}
	for drained := false; !drained; {
		select {
		case r, ok := <-s.returns:
			if !ok {
				drained = true
				break
			}
			returned[r.MessageId] = true
			s.log.Warn("event returned by the broker", "event_id", r.MessageId, "reply_code", r.ReplyCode, "reply_text", r.ReplyText)
		default:
			drained = true
		}
	}
	if len(returned) > 0 {
		s.returned += len(returned)
		for i, e := range batch {
			if returned[e.ID] {
				errs[i] = fmt.Errorf("event %s: %w", e.ID, ErrReturned)
			}
		}
		// Re-declare the queue on the next attempt: a return means it is
		// gone (deleted by an operator or lost with a broker's data).
		s.dropLocked()
	}
	return errs
}

// Returned is how many messages the broker has returned as unroutable.
func (s *AMQPSender) Returned() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.returned
}

// Close closes the connection.
func (s *AMQPSender) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.dropLocked()
	return nil
}
