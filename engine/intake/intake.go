package intake

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/lazarus-ha/lazarus/engine/metrics"
	"github.com/lazarus-ha/lazarus/monitors/event"
	"github.com/lazarus-ha/lazarus/monitors/wire"
	"github.com/lazarus-ha/lazarus/store"
)

// RejectReasonHeader carries why a message was dead-lettered.
const RejectReasonHeader = "x-lazarus-reject-reason"

// Store is what the intake needs of the store.
type Store interface {
	NotificationInsert(ctx context.Context, p *store.NotificationInsertParams) (*store.Notification, error)
	NotificationObserverAdd(ctx context.Context, o *store.Observer) error
	RecoveryActiveForHost(ctx context.Context, hostName string) (string, error)
}

// Config tunes the intake.
type Config struct {
	// URL is [DEFAULT] transport_url: rabbit:// or amqp://, one host or
	// several for failover (see monitors/wire).
	URL string
	// Queue is the notification queue; dead letters go to Queue+".dead".
	Queue string
	// Prefetch is the AMQP prefetch and the number of messages handled at
	// once (default 64).
	Prefetch int
	// DuplicateWindow is [DEFAULT] duplicate_notification_detection_interval.
	DuplicateWindow time.Duration
	// RetryDelay is the pause before a transiently failed message is
	// requeued (default 1s); MaxBackoff caps the redial backoff (default 10s).
	RetryDelay, MaxBackoff time.Duration
	// OnInserted, if set, is called after a new notification was committed.
	OnInserted func()
}

// Intake is the consumer. It is safe for concurrent use.
type Intake struct {
	cfg     Config
	st      Store
	log     *slog.Logger
	metrics *metrics.Metrics

	dialer    *wire.Dialer
	connected atomic.Bool
	local     atomic.Value // string
	cancel    context.CancelFunc
	wg        sync.WaitGroup
}

// New returns an Intake; Start starts it.
func New(cfg Config, st Store, log *slog.Logger, m *metrics.Metrics) *Intake {
	if cfg.Prefetch <= 0 {
		cfg.Prefetch = 64
	}
	if cfg.RetryDelay <= 0 {
		cfg.RetryDelay = time.Second
	}
	if cfg.MaxBackoff <= 0 {
		cfg.MaxBackoff = 10 * time.Second
	}
	if cfg.Queue == "" {
		cfg.Queue = wire.DefaultQueue
	}
	in := &Intake{cfg: cfg, st: st, log: log.With("component", "engine.intake", "queue", cfg.Queue), metrics: m}
	in.local.Store("")
	return in
}

// Start launches the supervisor. It returns at once; connection problems
// are retried in the background (and reported by Check).
func (in *Intake) Start(ctx context.Context) error {
	if in.cfg.URL == "" {
		return errors.New("intake: [DEFAULT] transport_url is empty")
	}
	d, err := wire.NewDialer(in.cfg.URL, wire.DialConfig{Name: "lazarus-engine intake"})
	if err != nil {
		return fmt.Errorf("intake: [DEFAULT] transport_url: %w", err)
	}
	in.dialer = d
	ctx, in.cancel = context.WithCancel(ctx)
	in.wg.Add(1)
	go func() {
		defer in.wg.Done()
		in.supervise(ctx)
	}()
	return nil
}

// Stop closes the connection and waits; unacked messages go back to the
// queue.
func (in *Intake) Stop() {
	if in.cancel != nil {
		in.cancel()
	}
	in.wg.Wait()
}

// Check is the engine self-check's view of the monitors' channel: an error
// while the broker is unreachable.
func (in *Intake) Check(context.Context) error {
	if !in.connected.Load() {
		return errors.New("not connected to the message broker the monitors publish to")
	}
	return nil
}

// LocalAddr is the local address of the current broker connection ("" when
// disconnected), as RabbitMQ names the connection (tests and diagnostics).
func (in *Intake) LocalAddr() string { return in.local.Load().(string) }

func (in *Intake) supervise(ctx context.Context) {
	backoff := 100 * time.Millisecond
	for ctx.Err() == nil {
		start := time.Now()
		err := in.session(ctx)
		in.connected.Store(false)
		in.local.Store("")
		if ctx.Err() != nil {
			return
		}
		if time.Since(start) > 30*time.Second {
			backoff = 100 * time.Millisecond
		}
		in.log.WarnContext(ctx, "broker session ended; redialling", "err", err, "backoff", backoff)
		t := time.NewTimer(backoff)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
		backoff = min(backoff*2, in.cfg.MaxBackoff)
	}
}

// session runs one connection until it fails or ctx ends.
func (in *Intake) session(ctx context.Context) error {
	conn, broker, err := in.dialer.Dial()
	if err != nil {
		return fmt.Errorf("dial broker: %w", err)
	}
	defer conn.Close()
	ch, err := conn.Channel()
	if err != nil {
		return fmt.Errorf("open channel: %w", err)
	}
	pub, err := conn.Channel()
	if err != nil {
		return fmt.Errorf("open publish channel: %w", err)
	}
	if err := pub.Confirm(false); err != nil {
		return fmt.Errorf("confirm mode: %w", err)
	}
	if err := wire.DeclareNotificationQueue(ch, in.cfg.Queue); err != nil {
		return err
	}
	if err := wire.DeclareDeadLetterQueue(ch, in.cfg.Queue); err != nil {
		return err
	}
	if err := ch.Qos(in.cfg.Prefetch, 0, false); err != nil {
		return fmt.Errorf("set prefetch: %w", err)
	}
	deliveries, err := ch.ConsumeWithContext(ctx, in.cfg.Queue, "", false, false, false, false, nil)
	if err != nil {
		return fmt.Errorf("consume: %w", err)
	}
	in.local.Store(conn.LocalAddr().String())
	in.connected.Store(true)
	in.log.InfoContext(ctx, "consuming", "broker", broker, "prefetch", in.cfg.Prefetch)
	closed := conn.NotifyClose(make(chan *amqp.Error, 1))
	workers := min(in.cfg.Prefetch, 16)
	jobs := make(chan amqp.Delivery)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for d := range jobs {
				in.handle(ctx, pub, d)
			}
		})
	}
	defer func() {
		close(jobs)
		wg.Wait()
	}()
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
			select {
			case jobs <- d:
			case <-ctx.Done():
				return nil
			}
		}
	}
}

// handle commits one message's effect, then acks it.
func (in *Intake) handle(ctx context.Context, pub *amqp.Channel, d amqp.Delivery) {
	ev, err := event.Decode(d.Body)
	if err != nil {
		in.deadLetter(ctx, pub, d, err.Error())
		return
	}
	log := in.log.With("event_id", ev.ID, "host", ev.Notification.Hostname, "observer", ev.Observer)
	n, err := in.st.NotificationInsert(ctx, &store.NotificationInsertParams{
		Type: ev.Notification.Type, Hostname: ev.Notification.Hostname, GeneratedTime: ev.Notification.GeneratedTime,
		Payload: ev.Notification.Payload, EventID: ev.ID, DuplicateWindow: in.cfg.DuplicateWindow,
	})
	var dup *store.DuplicateError
	target, result := "", ""
	switch {
	case err == nil:
		target, result = n.NotificationUUID, "inserted"
	case errors.Is(err, store.ErrAlreadyExists) && n != nil:
		target, result = n.NotificationUUID, "redelivered"
	case errors.As(err, &dup) && dup.Existing != nil:
		target, result = dup.Existing.NotificationUUID, "duplicate"
	case errors.Is(err, store.ErrHostOnMaintenance):
		result = "maintenance"
		if active, aerr := in.st.RecoveryActiveForHost(ctx, ev.Notification.Hostname); aerr == nil {
			target = active
		}
	case errors.Is(err, store.ErrNotFound):
		in.deadLetter(ctx, pub, d, err.Error())
		return
	default:
		in.retry(ctx, d, log, err)
		return
	}
	if target != "" {
		if err := in.st.NotificationObserverAdd(ctx, observer(target, ev)); err != nil {
			in.retry(ctx, d, log, err)
			return
		}
	}
	if err := d.Ack(false); err != nil {
		// The broker redelivers it; the event id makes that harmless.
		log.WarnContext(ctx, "ack", "err", err)
	}
	in.metrics.Intake(result)
	if result == "inserted" {
		log.InfoContext(ctx, "notification received", "notification_id", target, "type", ev.Notification.Type)
		if in.cfg.OnInserted != nil {
			in.cfg.OnInserted()
		}
	} else {
		// Another monitor's report of a failure already recorded is
		// evidence (the observers), part of the recovery's story.
		log.InfoContext(ctx, "report merged", "result", result, "notification_id", target)
	}
}

func observer(notification string, ev *event.Event) *store.Observer {
	o := &store.Observer{NotificationUUID: notification, EventID: ev.ID, Observer: ev.Observer, Monitor: ev.Monitor, Payload: ev.Notification.Payload}
	if ev.Evidence != nil {
		if b, err := jsonMarshal(ev.Evidence); err == nil {
			o.Evidence = b
		}
	}
	return o
}

func (in *Intake) retry(ctx context.Context, d amqp.Delivery, log *slog.Logger, err error) {
	in.metrics.Intake("retried")
	log.WarnContext(ctx, "cannot record event now; requeueing", "err", err)
	t := time.NewTimer(in.cfg.RetryDelay)
	select {
	case <-ctx.Done():
	case <-t.C:
	}
	t.Stop()
	if err := d.Nack(false, true); err != nil {
		log.WarnContext(ctx, "nack", "err", err)
	}
}

// deadLetter publishes the message to <queue>.dead with the reason and,
// once the broker confirmed it, acks the original.
func (in *Intake) deadLetter(ctx context.Context, pub *amqp.Channel, d amqp.Delivery, reason string) {
	if len(reason) > 1000 {
		reason = reason[:1000]
	}
	headers := amqp.Table{RejectReasonHeader: reason}
	for k, v := range d.Headers {
		if k != RejectReasonHeader {
			headers[k] = v
		}
	}
	pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	dc, err := pub.PublishWithDeferredConfirmWithContext(pctx, "", wire.DeadLetterQueue(in.cfg.Queue), false, false, amqp.Publishing{
		Headers: headers, ContentType: d.ContentType, DeliveryMode: amqp.Persistent, MessageId: d.MessageId,
		Timestamp: time.Now(), Body: d.Body,
	})
	if err == nil {
		var ok bool
		ok, err = dc.WaitContext(pctx)
		if err == nil && !ok {
			err = errors.New("broker nacked the dead letter")
		}
	}
	if err != nil {
		in.log.WarnContext(ctx, "dead-letter failed; requeueing", "err", err)
		_ = d.Nack(false, true)
		return
	}
	if err := d.Ack(false); err != nil {
		in.log.WarnContext(ctx, "ack dead-lettered message", "err", err)
	}
	in.metrics.Intake("dead_lettered")
	in.log.WarnContext(ctx, "invalid event dead-lettered", "reason", reason, "message_id", d.MessageId)
}
