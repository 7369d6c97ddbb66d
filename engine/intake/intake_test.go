package intake_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	amqp "github.com/rabbitmq/amqp091-go"
	"github.com/stretchr/testify/require"

	"github.com/lazarus-ha/lazarus/engine/enginetest"
	"github.com/lazarus-ha/lazarus/engine/intake"
	"github.com/lazarus-ha/lazarus/monitors/event"
	"github.com/lazarus-ha/lazarus/monitors/wire"
	"github.com/lazarus-ha/lazarus/monitors/wire/wiretest"
	"github.com/lazarus-ha/lazarus/store"
	"github.com/lazarus-ha/lazarus/store/storetest"
)

func rabbitURL() string {
	if u := os.Getenv("TEST_RABBITMQ_URL"); u != "" {
		return u
	}
	return "amqp://guest:guest@127.0.0.1:5672/"
}

type bundle struct {
	t     *testing.T
	st    *store.Store
	queue string
	conn  *amqp.Connection
	ch    *amqp.Channel
	in    *intake.Intake
}

func setup(t *testing.T) *bundle { t.Helper(); return setupURL(t, rabbitURL()) }

// setupURL is setup with the intake dialling transportURL (the test's own
// connections use the real broker directly).
func setupURL(t *testing.T, transportURL string) *bundle {
	t.Helper()
	conn, err := amqp.Dial(rabbitURL())
	if err != nil {
		t.Fatalf("connect to RabbitMQ at %s: %v (set TEST_RABBITMQ_URL or run make services)", rabbitURL(), err)
	}
	t.Cleanup(func() { conn.Close() })
	ch, err := conn.Channel()
	require.NoError(t, err)
	require.NoError(t, ch.Confirm(false))
	b := &bundle{t: t, st: storetest.NewStore(t), queue: "lazarus.test." + uuid.NewString()[:8], conn: conn, ch: ch}
	t.Cleanup(func() {
		c, err := amqp.Dial(rabbitURL())
		if err != nil {
			return
		}
		defer c.Close()
		cc, err := c.Channel()
		if err != nil {
			return
		}
		_, _ = cc.QueueDelete(b.queue, false, false, false)
		_, _ = cc.QueueDelete(b.queue+".dead", false, false, false)
	})
	seg := enginetest.Segment(t, b.st, "auto")
	enginetest.Host(t, b.st, seg, "c1", false)
	enginetest.Host(t, b.st, seg, "c2", false)
	b.in = intake.New(intake.Config{URL: transportURL, Queue: b.queue, Prefetch: 16, DuplicateWindow: 3 * time.Minute, RetryDelay: 50 * time.Millisecond},
		b.st, enginetest.Logger(t), nil)
	require.NoError(t, b.in.Start(context.Background()))
	t.Cleanup(b.in.Stop)
	waitFor(t, "intake to connect", func() bool { return b.in.Check(context.Background()) == nil })
	return b
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (b *bundle) publish(body []byte, id string) {
	b.t.Helper()
	dc, err := b.ch.PublishWithDeferredConfirmWithContext(context.Background(), "", b.queue, false, false,
		amqp.Publishing{DeliveryMode: amqp.Persistent, MessageId: id, ContentType: "application/json", Body: body})
	require.NoError(b.t, err)
	ok, err := dc.WaitContext(context.Background())
	require.NoError(b.t, err)
	require.True(b.t, ok)
}

func (b *bundle) publishEvent(e *event.Event) {
	b.t.Helper()
	body, err := e.Encode()
	require.NoError(b.t, err)
	b.publish(body, e.ID)
}

func hostEvent(id, observer, host string, ev *event.Evidence) *event.Event {
	return &event.Event{Version: event.Version, ID: id, Observer: observer, Monitor: event.MonitorHost, SentAt: time.Now(), Evidence: ev,
		Notification: event.Notification{Type: event.TypeComputeHost, Hostname: host, GeneratedTime: time.Now().Truncate(time.Second),
			Payload: map[string]string{"event": "STOPPED", "host_status": "NORMAL", "cluster_status": "OFFLINE"}}}
}

func (b *bundle) count(q string, args ...any) int {
	var n int
	require.NoError(b.t, b.st.Pool().QueryRow(context.Background(), q, args...).Scan(&n))
	return n
}

func (b *bundle) queueDepth(name string) int {
	ch, err := b.conn.Channel()
	require.NoError(b.t, err)
	defer ch.Close()
	q, err := ch.QueueDeclarePassive(name, true, false, false, false, wire.NotificationQueueArgs())
	require.NoError(b.t, err)
	return q.Messages
}

func TestIntakeMergesObserversAndIgnoresRedelivery(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ev1 := hostEvent("ev-1", "c2", "c1", &event.Evidence{NetworksLost: []string{"mgmt"}})
	b.publishEvent(ev1)
	b.publishEvent(ev1) // redelivered / re-sent by the monitor's spool
	ev2 := hostEvent("ev-2", "c3", "c1", nil)
	ev2.Notification.GeneratedTime = ev1.Notification.GeneratedTime
	b.publishEvent(ev2) // the same failure seen by another monitor
	waitFor(t, "two observers", func() bool {
		return b.count(`SELECT count(*) FROM notification_observers`) == 2
	})
	require.Equal(t, 1, b.count(`SELECT count(*) FROM notifications`), "one failure, one notification")
	var observers []string
	rows, err := b.st.Pool().Query(context.Background(), `SELECT observer FROM notification_observers ORDER BY observer`)
	require.NoError(t, err)
	for rows.Next() {
		var o string
		require.NoError(t, rows.Scan(&o))
		observers = append(observers, o)
	}
	require.Equal(t, []string{"c2", "c3"}, observers)
	var evidence []byte
	require.NoError(t, b.st.Pool().QueryRow(context.Background(), `SELECT evidence FROM notification_observers WHERE observer = 'c2'`).Scan(&evidence))
	var e event.Evidence
	require.NoError(t, json.Unmarshal(evidence, &e))
	require.Equal(t, []string{"mgmt"}, e.NetworksLost)
	waitFor(t, "queue drained", func() bool { return b.queueDepth(b.queue) == 0 })
}

func TestIntakeDeadLettersInvalidMessages(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.publish([]byte(`{not json`), "bad-1")
	b.publishEvent(hostEvent("ev-unknown-host", "c2", "nosuchhost", nil))
	bad := hostEvent("ev-bad", "c2", "c1", nil)
	bad.Notification.Payload["event"] = "EXPLODED"
	body, _ := json.Marshal(bad) // bypass Encode's validation
	b.publish(body, "ev-bad")
	// A valid message behind them still gets through: nothing blocks.
	b.publishEvent(hostEvent("ev-ok", "c1", "c2", nil))
	waitFor(t, "the valid notification", func() bool { return b.count(`SELECT count(*) FROM notifications`) == 1 })
	waitFor(t, "three dead letters", func() bool { return b.queueDepth(b.queue+".dead") == 3 })

	ch, err := b.conn.Channel()
	require.NoError(t, err)
	defer ch.Close()
	reasons := map[string]string{}
	for range 3 {
		d, ok, err := ch.Get(b.queue+".dead", true)
		require.NoError(t, err)
		require.True(t, ok)
		reasons[d.MessageId], _ = d.Headers[intake.RejectReasonHeader].(string)
	}
	require.Contains(t, reasons["bad-1"], "not valid JSON")
	require.Contains(t, reasons["ev-unknown-host"], "nosuchhost")
	require.Contains(t, reasons["ev-bad"], "EXPLODED")
	require.Equal(t, 0, b.queueDepth(b.queue))
}

// TestIntakeSurvivesConnectionLoss: the broker drops the engine's
// connection mid-stream; every event ends up exactly once.
func TestIntakeSurvivesConnectionLoss(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("rabbitmqctl"); err != nil {
		t.Fatalf("rabbitmqctl not found: %v (make services installs rabbitmq-server)", err)
	}
	b := setup(t)
	const n = 300
	vm := func(i int) *event.Event { return vmEvent(fmt.Sprintf("vm-ev-%d", i)) }
	for i := range n / 2 {
		b.publishEvent(vm(i))
	}
	// Close exactly the intake's connection (not the other tests').
	local := b.in.LocalAddr()
	require.NotEmpty(t, local)
	closeConnection(t, local)
	for i := n / 2; i < n; i++ {
		b.publishEvent(vm(i))
	}
	b.requireAllOnce(n)
	waitFor(t, "reconnected", func() bool { return b.in.LocalAddr() != "" && b.in.LocalAddr() != local })
}

// closeConnection makes RabbitMQ drop the connection whose client side is
// local (rabbitmqctl close_connection wants the connection's pid).
func closeConnection(t *testing.T, local string) {
	t.Helper()
	out, err := exec.Command("rabbitmqctl", "list_connections", "-q", "pid", "name").CombinedOutput()
	require.NoError(t, err, string(out))
	for _, line := range strings.Split(string(out), "\n") {
		f := strings.SplitN(line, "\t", 2)
		if len(f) == 2 && strings.HasPrefix(f[1], local+" ->") {
			out, err := exec.Command("rabbitmqctl", "close_connection", f[0], "test: broker drops the engine").CombinedOutput()
			require.NoError(t, err, string(out))
			return
		}
	}
	t.Fatalf("connection %s not found in:\n%s", local, out)
}

// TestIntakeFailsOverToTheNextBroker: with a two-host transport_url, the
// node the intake consumes from dies; the intake moves to the other one
// and every notification is still committed exactly once.
func TestIntakeFailsOverToTheNextBroker(t *testing.T) {
	t.Parallel()
	u, err := url.Parse(rabbitURL())
	require.NoError(t, err)
	pass, _ := u.User.Password()
	nodeA, nodeB := wiretest.NewProxy(t, u.Host), wiretest.NewProxy(t, u.Host)
	creds := u.User.Username() + ":" + pass + "@"
	b := setupURL(t, "rabbit://"+creds+nodeA.Addr()+","+creds+nodeB.Addr()+"/")
	const n = 100
	vm := func(i int) *event.Event { return vmEvent(fmt.Sprintf("fo-ev-%d", i)) }
	for i := range n / 2 {
		b.publishEvent(vm(i))
	}
	waitFor(t, "the first half through node A", func() bool { return b.count(`SELECT count(*) FROM notifications`) == n/2 })
	nodeA.Kill()
	for i := n / 2; i < n; i++ {
		b.publishEvent(vm(i))
	}
	// Node A refuses connections now: the second half can only arrive
	// through node B.
	b.requireAllOnce(n)
	require.NoError(t, b.in.Check(context.Background()))
}

// vmEvent is an instance monitor's STOPPED_FAILED report from c1.
func vmEvent(id string) *event.Event {
	return &event.Event{Version: event.Version, ID: id, Observer: "c1", Monitor: event.MonitorInstance, SentAt: time.Now(),
		Notification: event.Notification{Type: event.TypeVM, Hostname: "c1", GeneratedTime: time.Now(),
			Payload: map[string]string{"event": "LIFECYCLE", "vir_domain_event": "STOPPED_FAILED", "instance_uuid": uuid.NewString()}}}
}

// requireAllOnce waits until n notifications are committed and the queue
// is drained, and checks that each event was committed exactly once.
func (b *bundle) requireAllOnce(n int) {
	b.t.Helper()
	waitFor(b.t, "all notifications", func() bool { return b.count(`SELECT count(*) FROM notifications`) >= n })
	waitFor(b.t, "queue drained", func() bool { return b.queueDepth(b.queue) == 0 })
	require.Equal(b.t, n, b.count(`SELECT count(*) FROM notifications`))
	require.Equal(b.t, n, b.count(`SELECT count(DISTINCT event_id) FROM notifications`))
}
