package main

import (
	"bytes"
	"fmt"
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
)

// The binary, its config and the broker together: a process that cannot be
// restarted ends as PROCESS STOPPED on the notification queue.
func TestBinaryPublishesProcessStopped(t *testing.T) {
	url := os.Getenv("TEST_RABBITMQ_URL")
	if url == "" {
		url = "amqp://guest:guest@127.0.0.1:5672/"
	}
	conn, err := amqp.Dial(url)
	require.NoError(t, err, "RabbitMQ is required (make services starts it)")
	defer conn.Close()
	queue := "lazarus.test.processmonitor." + uuid.NewString()[:8]
	ch, err := conn.Channel()
	require.NoError(t, err)
	defer func() { _, _ = ch.QueueDelete(queue, false, false, false) }()

	dir := t.TempDir()
	bin := filepath.Join(dir, "lazarus-processmonitor")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	require.NoError(t, err, "%s", out)
	name := "no-such-daemon-" + uuid.NewString()[:8]
	list := filepath.Join(dir, "process_list.yaml")
	require.NoError(t, os.WriteFile(list, []byte(fmt.Sprintf(
		"- process_name: /usr/sbin/%s\n  restart_command: /bin/false\n  run_as_root: false\n", name)), 0o600))
	conf := filepath.Join(dir, "lazarus.conf")
	require.NoError(t, os.WriteFile(conf, []byte(fmt.Sprintf(`[DEFAULT]
host = compute-7
transport_url = %s
notification_queue = %s

[monitors]
spool_dir = %s

[processmonitor]
process_list_path = %s
check_interval = 200ms
restart_retries = 1
restart_interval = 100ms
`, url, queue, filepath.Join(dir, "spool"), list)), 0o600))
	cmd := exec.Command(bin, "-config", conf)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	require.NoError(t, cmd.Start())
	defer func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		_ = cmd.Wait()
		if t.Failed() {
			t.Logf("processmonitor output:\n%s", stderr.String())
		}
	}()

	deadline := time.Now().Add(30 * time.Second)
	for {
		d, ok, err := ch.Get(queue, true)
		if err == nil && ok {
			e, err := event.Decode(d.Body)
			require.NoError(t, err)
			require.Equal(t, event.TypeProcess, e.Notification.Type)
			require.Equal(t, "compute-7", e.Notification.Hostname)
			require.Equal(t, map[string]string{"event": "STOPPED", "process_name": name}, e.Notification.Payload)
			return
		}
		require.True(t, time.Now().Before(deadline), "no PROCESS STOPPED on %s", queue)
		if err != nil { // the queue is declared by the monitor's first publish
			ch, err = conn.Channel()
			require.NoError(t, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
