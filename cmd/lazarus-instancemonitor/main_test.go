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

// The binary, its config and the broker together: a domain crash reported
// by (a stand-in for) virsh ends as a VM notification on the queue.
func TestBinaryPublishesVMEvent(t *testing.T) {
	url := os.Getenv("TEST_RABBITMQ_URL")
	if url == "" {
		url = "amqp://guest:guest@127.0.0.1:5672/"
	}
	conn, err := amqp.Dial(url)
	require.NoError(t, err, "RabbitMQ is required (make services starts it)")
	defer conn.Close()
	queue := "lazarus.test.instancemonitor." + uuid.NewString()[:8]
	ch, err := conn.Channel()
	require.NoError(t, err)
	defer func() { _, _ = ch.QueueDelete(queue, false, false, false) }()

	dir := t.TempDir()
	bin := filepath.Join(dir, "lazarus-instancemonitor")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	require.NoError(t, err, "%s", out)
	uuid1 := uuid.NewString()
	virsh := filepath.Join(dir, "virsh")
	require.NoError(t, os.WriteFile(virsh, []byte(fmt.Sprintf(`#!/bin/sh
shift 3
case "$1" in
event) echo "event 'lifecycle' for domain 'instance-0000002a': Stopped Failed"; exec sleep 3600 ;;
domuuid) echo %s ;;
list) echo instance-0000002a ;;
uri) echo qemu:///system ;;
*) exit 1 ;;
esac
`, uuid1)), 0o755))
	conf := filepath.Join(dir, "lazarus.conf")
	require.NoError(t, os.WriteFile(conf, []byte(fmt.Sprintf(`[DEFAULT]
host = compute-7
transport_url = %s
notification_queue = %s

[monitors]
spool_dir = %s

[instancemonitor]
virsh_path = %s
`, url, queue, filepath.Join(dir, "spool"), virsh)), 0o600))
	cmd := exec.Command(bin, "-config", conf)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	require.NoError(t, cmd.Start())
	defer func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		_ = cmd.Wait()
		if t.Failed() {
			t.Logf("instancemonitor output:\n%s", stderr.String())
		}
	}()

	deadline := time.Now().Add(30 * time.Second)
	for {
		d, ok, err := ch.Get(queue, true)
		if err == nil && ok {
			e, err := event.Decode(d.Body)
			require.NoError(t, err)
			require.Equal(t, event.TypeVM, e.Notification.Type)
			require.Equal(t, "compute-7", e.Notification.Hostname)
			require.Equal(t, map[string]string{"event": "LIFECYCLE", "instance_uuid": uuid1, "vir_domain_event": "STOPPED_FAILED"},
				e.Notification.Payload)
			return
		}
		require.True(t, time.Now().Before(deadline), "no VM event on %s", queue)
		if err != nil { // the queue is declared by the monitor's first publish
			ch, err = conn.Channel()
			require.NoError(t, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
