package main

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/google/uuid"
	amqp "github.com/rabbitmq/amqp091-go"
	"github.com/stretchr/testify/require"

	"github.com/lazarus-ha/lazarus/monitors/event"
	"github.com/lazarus-ha/lazarus/monitors/publish"
)

// TestBinaryPublishesHeartbeats runs the lazarus-hostmonitor binary on
// loopback with [hostmonitor] heartbeat_interval set and reads its
// heartbeats from <notification_queue>.heartbeats on the real broker.
func TestBinaryPublishesHeartbeats(t *testing.T) {
	url := os.Getenv("TEST_RABBITMQ_URL")
	if url == "" {
		url = "amqp://guest:guest@127.0.0.1:5672/"
	}
	conn, err := amqp.Dial(url)
	require.NoError(t, err, "RabbitMQ at %s is required (make services starts it)", url)
	defer conn.Close()
	ch, err := conn.Channel()
	require.NoError(t, err)
	queue := "lazarus.test.hostmonitor." + uuid.NewString()[:8]
	require.NoError(t, publish.DeclareHeartbeatQueue(ch, queue))
	defer func() { _, _ = ch.QueueDelete(publish.HeartbeatQueue(queue), false, false, false) }()

	dir := t.TempDir()
	bin := filepath.Join(dir, "lazarus-hostmonitor")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	require.NoError(t, err, "build: %s", out)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	conf := filepath.Join(dir, "lazarus.conf")
	require.NoError(t, os.WriteFile(conf, fmt.Appendf(nil, `[DEFAULT]
host = hb-bin
transport_url = %s
notification_queue = %s

[monitors]
spool_dir = %s

[hostmonitor]
networks = mgmt=127.0.0.1:%d
heartbeat_interval = 200ms
`, url, queue, filepath.Join(dir, "spool"), port), 0o600))
	cmd := exec.Command(bin, "--config", conf)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	require.NoError(t, cmd.Start())
	defer func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		_ = cmd.Wait()
	}()

	deliveries, err := ch.Consume(publish.HeartbeatQueue(queue), "", true, true, false, false, nil)
	require.NoError(t, err)
	seen := 0
	deadline := time.NewTimer(60 * time.Second) // catches a hang; not a timing assertion
	defer deadline.Stop()
	for seen < 2 {
		select {
		case d := <-deliveries:
			require.Equal(t, event.HeartbeatType, d.Type)
			h, err := event.DecodeHeartbeat(d.Body)
			require.NoError(t, err)
			require.Equal(t, "hb-bin", h.Observer)
			require.Equal(t, map[string]int{"mgmt": 0}, h.PeersAlive, "no peers configured")
			seen++
		case <-deadline.C:
			t.Fatalf("saw %d heartbeats from the binary", seen)
		}
	}
}
