package publish

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/uuid"
	amqp "github.com/rabbitmq/amqp091-go"
	"github.com/stretchr/testify/require"

	"github.com/lazarus-ha/lazarus/monitors/event"
)

type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

func testLogger(t testing.TB) *slog.Logger {
	return slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelInfo}))
}

func quietLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// rabbitURL is the shared broker; tests that need it fail (not skip) when it
// is not there, as `make test` starts it.
func rabbitURL(t testing.TB) string {
	u := os.Getenv("TEST_RABBITMQ_URL")
	if u == "" {
		u = "amqp://guest:guest@127.0.0.1:5672/"
	}
	conn, err := amqp.Dial(u)
	require.NoError(t, err, "RabbitMQ at %s is required (make services starts it)", u)
	conn.Close()
	return u
}

func uniqueQueue(t testing.TB) string {
	return "lazarus.test." + strings.ToLower(strings.ReplaceAll(t.Name(), "/", ".")) + "." + uuid.NewString()[:8]
}

// deleteQueueAfter removes the test queue when the test ends.
func deleteQueueAfter(t testing.TB, url, queue string) {
	t.Cleanup(func() {
		conn, err := amqp.Dial(url)
		if err != nil {
			return
		}
		defer conn.Close()
		ch, err := conn.Channel()
		if err == nil {
			_, _ = ch.QueueDelete(queue, false, false, false)
		}
	})
}

// drainQueue gets every message now in queue and returns the event ids in
// arrival order (duplicates included).
func drainQueue(t testing.TB, url, queue string) []string {
	conn, err := amqp.Dial(url)
	require.NoError(t, err)
	defer conn.Close()
	ch, err := conn.Channel()
	require.NoError(t, err)
	var ids []string
	for {
		d, ok, err := ch.Get(queue, true)
		require.NoError(t, err)
		if !ok {
			return ids
		}
		require.Equal(t, "application/json", d.ContentType)
		require.Equal(t, uint8(amqp.Persistent), d.DeliveryMode)
		e, err := event.Decode(d.Body)
		require.NoError(t, err)
		require.Equal(t, e.ID, d.MessageId)
		ids = append(ids, e.ID)
	}
}

func testEvent(host string) *event.Event {
	return NewEvent(event.MonitorHost, "observer-1", event.Notification{
		Type: event.TypeComputeHost, Hostname: host,
		Payload: map[string]string{"event": event.EventStopped, "host_status": event.HostStatusNormal, "cluster_status": event.ClusterStatusOff},
	})
}

func freePort(t testing.TB) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// privateBroker is a RabbitMQ node of the test's own, on its own ports and
// data directory, that the test may stop and start. The shared broker on
// 5672 is never touched.
type privateBroker struct {
	t    testing.TB
	dir  string
	env  []string
	url  string
	port int
	cmd  *exec.Cmd
	done chan struct{}
}

func startPrivateBroker(t testing.TB) *privateBroker {
	t.Helper()
	server := "/usr/lib/rabbitmq/bin/rabbitmq-server"
	_, err := os.Stat(server)
	require.NoError(t, err, "rabbitmq-server is required (make services installs it)")
	dir, err := os.MkdirTemp("", "lazarus-rmq-")
	require.NoError(t, err)
	t.Cleanup(func() { os.RemoveAll(dir) })
	b := &privateBroker{t: t, dir: dir}
	b.port = freePort(t)
	dist, epmd := freePort(t), freePort(t)
	for _, d := range []string{"mnesia", "log"} {
		require.NoError(t, os.MkdirAll(filepath.Join(dir, d), 0o700))
	}
	require.NoError(t, os.WriteFile(filepath.Join(dir, "enabled_plugins"), []byte("[].\n"), 0o600))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "rabbitmq.conf"),
		[]byte(fmt.Sprintf("listeners.tcp.default = 127.0.0.1:%d\nloopback_users = none\n", b.port)), 0o600))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "env.conf"), nil, 0o600))
	node := fmt.Sprintf("lazarus-test-%d@localhost", b.port)
	b.env = append(os.Environ(),
		"HOME="+dir,
		"RABBITMQ_CONF_ENV_FILE="+filepath.Join(dir, "env.conf"),
		"RABBITMQ_CONFIG_FILE="+filepath.Join(dir, "rabbitmq.conf"),
		"RABBITMQ_ENABLED_PLUGINS_FILE="+filepath.Join(dir, "enabled_plugins"),
		"RABBITMQ_NODENAME="+node,
		"RABBITMQ_NODE_IP_ADDRESS=127.0.0.1",
		fmt.Sprintf("RABBITMQ_NODE_PORT=%d", b.port),
		fmt.Sprintf("RABBITMQ_DIST_PORT=%d", dist),
		fmt.Sprintf("ERL_EPMD_PORT=%d", epmd),
		"ERL_EPMD_ADDRESS=127.0.0.1",
		"RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS=-kernel inet_dist_use_interface {127,0,0,1}",
		"RABBITMQ_MNESIA_BASE="+filepath.Join(dir, "mnesia"),
		"RABBITMQ_LOG_BASE="+filepath.Join(dir, "log"),
		"RABBITMQ_PID_FILE="+filepath.Join(dir, "pid"),
	)
	b.url = fmt.Sprintf("amqp://guest:guest@127.0.0.1:%d/", b.port)
	t.Cleanup(func() {
		b.Stop()
		kill := exec.Command("epmd", "-kill")
		kill.Env = b.env
		_ = kill.Run()
	})
	b.Start()
	return b
}

// Start runs the node and returns once it accepts AMQP connections.
func (b *privateBroker) Start() {
	b.t.Helper()
	out, err := os.OpenFile(filepath.Join(b.dir, "server.out"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	require.NoError(b.t, err)
	b.cmd = exec.Command("/usr/lib/rabbitmq/bin/rabbitmq-server")
	b.cmd.Env, b.cmd.Dir = b.env, b.dir
	b.cmd.Stdout, b.cmd.Stderr = out, out
	b.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	require.NoError(b.t, b.cmd.Start())
	b.done = make(chan struct{})
	go func(c *exec.Cmd, done chan struct{}) { _ = c.Wait(); out.Close(); close(done) }(b.cmd, b.done)
	deadline := time.Now().Add(90 * time.Second)
	for {
		conn, err := amqp.Dial(b.url)
		if err == nil {
			conn.Close()
			return
		}
		select {
		case <-b.done:
			log, _ := os.ReadFile(filepath.Join(b.dir, "server.out"))
			b.t.Fatalf("private rabbitmq-server exited during start:\n%s", log)
		case <-time.After(200 * time.Millisecond):
		}
		require.True(b.t, time.Now().Before(deadline), "private rabbitmq-server not ready: %v", err)
	}
}

// Stop shuts the node down (SIGTERM to its process group, SIGKILL after 30s).
func (b *privateBroker) Stop() {
	if b.cmd == nil {
		return
	}
	_ = syscall.Kill(-b.cmd.Process.Pid, syscall.SIGTERM)
	select {
	case <-b.done:
	case <-time.After(30 * time.Second):
		_ = syscall.Kill(-b.cmd.Process.Pid, syscall.SIGKILL)
		<-b.done
	}
	b.cmd = nil
}

func waitFor(t testing.TB, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		select {
		case <-ctx.Done():
			t.Fatalf("timed out after %s waiting for %s", timeout, what)
		case <-tick.C:
		}
	}
}
