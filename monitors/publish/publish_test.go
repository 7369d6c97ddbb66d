package publish

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"github.com/lazarus-ha/lazarus/monitors/wire/wiretest"
	"net/http"
	"net/http/httptest"
	neturl "net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/lazarus-ha/lazarus/monitors/event"
)

func TestSpoolOrderBoundAndReopen(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	s, err := OpenSpool(dir, 3, testLogger(t))
	require.NoError(t, err)
	var ids []string
	for i := 0; i < 5; i++ {
		e := testEvent(fmt.Sprintf("host-%d", i))
		ids = append(ids, e.ID)
		require.NoError(t, s.Put(e))
	}
	// Bounded: the two oldest were dropped.
	require.Equal(t, 3, s.Len())
	require.Equal(t, uint64(2), s.Dropped())
	got := s.Oldest(10)
	require.Len(t, got, 3)
	require.Equal(t, ids[2:], []string{got[0].Event.ID, got[1].Event.ID, got[2].Event.ID})

	// Remove the middle one (confirms arrive in any order).
	require.NoError(t, s.Remove(got[1:2]))
	// A leftover temporary file from a crash mid-write, and garbage.
	require.NoError(t, os.WriteFile(filepath.Join(dir, ".tmp-00000000000000000099-x.json"), []byte("{"), 0o600))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "00000000000000000098-y.json"), []byte("not json"), 0o600))

	// Reopen: order kept, sequence continues after the highest seen.
	s2, err := OpenSpool(dir, 3, testLogger(t))
	require.NoError(t, err)
	got2 := s2.Oldest(10)
	require.Len(t, got2, 2, "the undecodable file is set aside, not replayed")
	require.Equal(t, []string{ids[2], ids[4]}, []string{got2[0].Event.ID, got2[1].Event.ID})
	_, err = os.Stat(filepath.Join(dir, "bad-00000000000000000098-y.json"))
	require.NoError(t, err)
	_, err = os.Stat(filepath.Join(dir, ".tmp-00000000000000000099-x.json"))
	require.ErrorIs(t, err, os.ErrNotExist)
	e := testEvent("host-new")
	require.NoError(t, s2.Put(e))
	last := s2.Oldest(10)
	require.Equal(t, e.ID, last[len(last)-1].Event.ID)
	require.Greater(t, last[len(last)-1].Seq, uint64(98))
}

func FuzzSpoolFile(f *testing.F) {
	good, _ := testEvent("h").Encode()
	f.Add(good)
	f.Add([]byte("{}"))
	f.Add([]byte{0xff, 0})
	f.Fuzz(func(t *testing.T, data []byte) {
		dir := t.TempDir()
		require.NoError(t, os.WriteFile(filepath.Join(dir, "00000000000000000001-a.json"), data, 0o600))
		s, err := OpenSpool(dir, 10, quietLogger())
		require.NoError(t, err)
		got := s.Oldest(10)
		if len(got) == 1 {
			require.NoError(t, got[0].Event.Validate())
		} else {
			require.Equal(t, 0, s.Len(), "a bad file must leave the spool")
		}
	})
}

type bundle struct {
	pub    *Publisher
	sender *AMQPSender
	cancel context.CancelFunc
	done   chan struct{}
}

func startPublisher(t *testing.T, url, queue, dir string) *bundle {
	t.Helper()
	spool, err := OpenSpool(dir, 10000, testLogger(t))
	require.NoError(t, err)
	sender, err := NewAMQPSender(AMQPConfig{URL: url, Queue: queue, DialTimeout: time.Second, ConfirmTimeout: 5 * time.Second}, testLogger(t))
	require.NoError(t, err)
	pub := New(Config{RetryMin: 100 * time.Millisecond, RetryMax: time.Second}, spool, sender, testLogger(t), nil)
	ctx, cancel := context.WithCancel(context.Background())
	b := &bundle{pub: pub, sender: sender, cancel: cancel, done: make(chan struct{})}
	go func() { _ = pub.Run(ctx); close(b.done) }()
	t.Cleanup(b.stop)
	return b
}

func (b *bundle) stop() {
	b.cancel()
	<-b.done
}

func TestPublishToRabbitMQ(t *testing.T) {
	t.Parallel()
	url := rabbitURL(t)
	queue := uniqueQueue(t)
	deleteQueueAfter(t, url, queue)
	b := startPublisher(t, url, queue, t.TempDir())
	want := map[string]bool{}
	for i := 0; i < 50; i++ {
		e := testEvent("compute-1")
		want[e.ID] = true
		require.NoError(t, b.pub.Publish(context.Background(), e))
	}
	waitFor(t, 30*time.Second, "spool empty", func() bool { return b.pub.Pending() == 0 })
	ids := drainQueue(t, url, queue)
	got := map[string]bool{}
	for _, id := range ids {
		got[id] = true
	}
	require.Equal(t, want, got)

	// The engine declares the queue with the very same arguments; a
	// different declaration would fail with PRECONDITION_FAILED.
	conn, err := amqp.Dial(url)
	require.NoError(t, err)
	defer conn.Close()
	ch, err := conn.Channel()
	require.NoError(t, err)
	_, err = ch.QueueDeclare(queue, true, false, false, false, amqp.Table{"x-queue-type": "quorum"})
	require.NoError(t, err)
}

// TestPublishFailsOverToTheNextBroker: a monitor configured with two broker
// nodes keeps publishing when the node it is connected to dies; every event
// is confirmed and arrives exactly once.
func TestPublishFailsOverToTheNextBroker(t *testing.T) {
	t.Parallel()
	raw := rabbitURL(t)
	queue := uniqueQueue(t)
	deleteQueueAfter(t, raw, queue)
	u, err := neturl.Parse(raw)
	require.NoError(t, err)
	pass, _ := u.User.Password()
	creds := u.User.Username() + ":" + pass + "@"
	nodeA, nodeB := wiretest.NewProxy(t, u.Host), wiretest.NewProxy(t, u.Host)
	b := startPublisher(t, "rabbit://"+creds+nodeA.Addr()+","+creds+nodeB.Addr()+"/", queue, t.TempDir())
	want := map[string]bool{}
	publish := func(n int) {
		for range n {
			e := testEvent("compute-1")
			want[e.ID] = true
			require.NoError(t, b.pub.Publish(context.Background(), e))
		}
		waitFor(t, 30*time.Second, "spool empty", func() bool { return b.pub.Pending() == 0 })
	}
	publish(20)
	nodeA.Kill()
	// Node A refuses connections from now on: these can only be confirmed
	// through node B.
	publish(20)
	got := map[string]int{}
	for _, id := range drainQueue(t, raw, queue) {
		got[id]++
	}
	require.Len(t, got, len(want))
	for id := range want {
		require.Equal(t, 1, got[id], "event %s", id)
	}
}

// A message the broker returns (its queue is gone) is not a success: it
// stays in the spool, the sender re-declares the queue, and it arrives.
func TestReturnedMessageIsNotLost(t *testing.T) {
	t.Parallel()
	url := rabbitURL(t)
	queue := uniqueQueue(t)
	deleteQueueAfter(t, url, queue)
	b := startPublisher(t, url, queue, t.TempDir())
	first := testEvent("compute-1")
	require.NoError(t, b.pub.Publish(context.Background(), first))
	waitFor(t, 30*time.Second, "first event confirmed", func() bool { return b.pub.Pending() == 0 })
	require.Equal(t, []string{first.ID}, drainQueue(t, url, queue))

	// Delete the queue behind the publisher's back: its open channel still
	// publishes, and RabbitMQ returns (and acks) the message.
	conn, err := amqp.Dial(url)
	require.NoError(t, err)
	ch, err := conn.Channel()
	require.NoError(t, err)
	_, err = ch.QueueDelete(queue, false, false, false)
	require.NoError(t, err)
	conn.Close()

	second := testEvent("compute-2")
	require.NoError(t, b.pub.Publish(context.Background(), second))
	waitFor(t, 30*time.Second, "a return", func() bool { return b.sender.Returned() >= 1 })
	waitFor(t, 30*time.Second, "second event confirmed after re-declare", func() bool { return b.pub.Pending() == 0 })
	require.Equal(t, []string{second.ID}, drainQueue(t, url, queue))
}

// The broker is stopped while 1,000 events are published; every one is
// delivered once it is back, and none is counted twice by its id.
func TestBrokerDownThousandEvents(t *testing.T) {
	t.Parallel()
	broker := startPrivateBroker(t)
	queue := "lazarus.notifications"
	b := startPublisher(t, broker.url, queue, t.TempDir())

	before := testEvent("compute-0")
	require.NoError(t, b.pub.Publish(context.Background(), before))
	waitFor(t, 30*time.Second, "first event confirmed", func() bool { return b.pub.Pending() == 0 })

	broker.Stop()
	want := map[string]bool{before.ID: true}
	for i := 0; i < 1000; i++ {
		e := testEvent(fmt.Sprintf("compute-%d", i%7))
		want[e.ID] = true
		require.NoError(t, b.pub.Publish(context.Background(), e))
	}
	require.Equal(t, 1000, b.pub.Pending(), "nothing can be confirmed while the broker is down")

	broker.Start()
	waitFor(t, 120*time.Second, "spool drained", func() bool { return b.pub.Pending() == 0 })
	ids := drainQueue(t, broker.url, queue)
	got := map[string]int{}
	for _, id := range ids {
		got[id]++
	}
	dups := len(ids) - len(got)
	t.Logf("received %d messages, %d unique, %d redelivered duplicates", len(ids), len(got), dups)
	require.Len(t, got, len(want))
	for id := range want {
		require.Contains(t, got, id)
	}
}

const helperEnv = "LAZARUS_PUBLISH_SPOOL_HELPER"

// TestMain lets the test binary act as a monitor that spools events and is
// then killed with SIGKILL.
func TestMain(m *testing.M) {
	if dir := os.Getenv(helperEnv); dir != "" {
		os.Exit(spoolHelper(dir))
	}
	goleak.VerifyTestMain(m)
}

func spoolHelper(dir string) int {
	n, _ := strconv.Atoi(os.Getenv(helperEnv + "_N"))
	capacity, _ := strconv.Atoi(os.Getenv(helperEnv + "_MAX"))
	spool, err := OpenSpool(dir, capacity, quietLogger())
	if err != nil {
		fmt.Println("ERR", err)
		return 1
	}
	// Port 1 on loopback refuses: the broker is "down" for this monitor.
	sender, err := NewAMQPSender(AMQPConfig{URL: "amqp://guest:guest@127.0.0.1:1/", Queue: "x"}, quietLogger())
	if err != nil {
		fmt.Println("ERR", err)
		return 1
	}
	pub := New(Config{}, spool, sender, quietLogger(), nil)
	go func() { _ = pub.Run(context.Background()) }()
	for i := 0; i < n; i++ {
		e := testEvent("compute-9")
		if err := pub.Publish(context.Background(), e); err != nil {
			fmt.Println("ERR", err)
			return 1
		}
		fmt.Println("ID", e.ID)
	}
	fmt.Println("SPOOLED")
	select {}
}

func TestKilledMonitorReplaysSpool(t *testing.T) {
	t.Parallel()
	url := rabbitURL(t)
	queue := uniqueQueue(t)
	deleteQueueAfter(t, url, queue)
	dir := t.TempDir()

	cmd := exec.Command(os.Args[0], "-test.run=^$")
	// 300 events into a spool of 250: it is full, the 50 oldest are dropped.
	cmd.Env = append(os.Environ(), helperEnv+"="+dir, helperEnv+"_N=300", helperEnv+"_MAX=250")
	out, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	var ids []string
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		line := sc.Text()
		if line == "SPOOLED" {
			break
		}
		id, ok := stringsCutPrefix(line, "ID ")
		require.True(t, ok, "helper said %q", line)
		ids = append(ids, id)
	}
	require.Len(t, ids, 300)
	want := map[string]bool{}
	for _, id := range ids[50:] {
		want[id] = true
	}
	require.NoError(t, cmd.Process.Kill()) // SIGKILL: no shutdown path runs
	_ = cmd.Wait()

	b := startPublisher(t, url, queue, dir)
	require.LessOrEqual(t, b.pub.Pending(), 250)
	waitFor(t, 60*time.Second, "replayed spool drained", func() bool { return b.pub.Pending() == 0 })
	got := map[string]bool{}
	for _, id := range drainQueue(t, url, queue) {
		got[id] = true
	}
	require.Equal(t, want, got)
}

func stringsCutPrefix(s, p string) (string, bool) {
	if len(s) >= len(p) && s[:len(p)] == p {
		return s[len(p):], true
	}
	return "", false
}

// The api transport: keystone password auth, a failure retried, 409 taken
// as "already known", and the token renewed after a 401.
func TestAPISender(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var posted []map[string]any
	var calls atomic.Int32
	var tokens atomic.Int32
	srv := httptest.NewServer(http.NewServeMux())
	mux := srv.Config.Handler.(*http.ServeMux)
	mux.HandleFunc("POST /identity/v3/auth/tokens", func(w http.ResponseWriter, r *http.Request) {
		var req map[string]any
		require.NoError(t, json.NewDecoder(r.Body).Decode(&req))
		pw := req["auth"].(map[string]any)["identity"].(map[string]any)["password"].(map[string]any)["user"].(map[string]any)["password"]
		if pw != "s3cret" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		n := tokens.Add(1)
		w.Header().Set("X-Subject-Token", fmt.Sprintf("tok-%d", n))
		w.WriteHeader(http.StatusCreated)
		fmt.Fprintf(w, `{"token":{"expires_at":%q,"catalog":[{"type":"instance-ha","endpoints":[
			{"interface":"internal","region":"RegionOne","url":"http://wrong.invalid/v1"},
			{"interface":"public","region":"RegionOne","url":%q}]}]}}`,
			time.Now().Add(time.Hour).UTC().Format(time.RFC3339), srv.URL+"/ha/v1/")
	})
	mux.HandleFunc("POST /ha/v1/notifications", func(w http.ResponseWriter, r *http.Request) {
		n := calls.Add(1)
		switch {
		case n == 1:
			w.WriteHeader(http.StatusServiceUnavailable) // retried
			return
		case n == 2:
			w.WriteHeader(http.StatusUnauthorized) // token revoked: re-auth
			return
		}
		require.Equal(t, "tok-2", r.Header.Get("X-Auth-Token"))
		var body map[string]any
		require.NoError(t, json.NewDecoder(r.Body).Decode(&body))
		mu.Lock()
		posted = append(posted, body)
		mu.Unlock()
		if n == 4 {
			w.WriteHeader(http.StatusConflict) // already known: delivered
			return
		}
		w.WriteHeader(http.StatusAccepted)
	})
	defer srv.Close()
	s := NewAPISender(APIConfig{AuthURL: srv.URL + "/identity/v3", Username: "lazarus", Password: "s3cret",
		ProjectName: "service", UserDomainName: "Default", ProjectDomainName: "Default",
		RetryInterval: 10 * time.Millisecond, RetryMax: 2}, testLogger(t))
	e1, e2 := testEvent("compute-1"), testEvent("compute-2")
	errs := s.Send(context.Background(), []*event.Event{e1, e2})
	require.Equal(t, []error{nil, nil}, errs)
	require.Len(t, posted, 2)
	n := posted[0]["notification"].(map[string]any)
	require.Equal(t, "COMPUTE_HOST", n["type"])
	require.Equal(t, "compute-1", n["hostname"])
	require.Equal(t, map[string]any{"event": "STOPPED", "host_status": "NORMAL", "cluster_status": "OFFLINE"}, n["payload"])
	_, err := time.Parse(masakariTime, n["generated_time"].(string))
	require.NoError(t, err)

	// A dead API fails the batch after RetryMax retries; the events stay spooled.
	bad := NewAPISender(APIConfig{Endpoint: "http://127.0.0.1:1/v1", RetryInterval: time.Millisecond, RetryMax: 1}, testLogger(t))
	errs = bad.Send(context.Background(), []*event.Event{e1, e2})
	require.Error(t, errs[0])
	require.Error(t, errs[1])
}
