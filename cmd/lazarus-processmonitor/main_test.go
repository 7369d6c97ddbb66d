package main

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/lazarus-ha/lazarus/cmd/internal/monitorwire/binarytest"
	"github.com/lazarus-ha/lazarus/monitors/event"
)

// The binary, its config and the broker together: a process that cannot be
// restarted ends as PROCESS STOPPED on the notification queue.
func TestBinaryPublishesProcessStopped(t *testing.T) {
	r := binarytest.New(t, "lazarus-processmonitor")
	name := "no-such-daemon-" + uuid.NewString()[:8]
	list := filepath.Join(r.Dir, "process_list.yaml")
	require.NoError(t, os.WriteFile(list, []byte(fmt.Sprintf(
		"- process_name: /usr/sbin/%s\n  restart_command: /bin/false\n  run_as_root: false\n", name)), 0o600))
	r.Start(t, "compute-7", fmt.Sprintf(`[processmonitor]
process_list_path = %s
check_interval = 200ms
restart_retries = 1
restart_interval = 100ms
`, list))

	e := r.NextEvent(t, 30*time.Second)
	require.Equal(t, event.TypeProcess, e.Notification.Type)
	require.Equal(t, "compute-7", e.Notification.Hostname)
	require.Equal(t, map[string]string{"event": "STOPPED", "process_name": name}, e.Notification.Payload)
}

// The three monitors of a node share lazarus.conf; --metrics-listen (what
// /etc/default/lazarus-processmonitor sets for the systemd unit) gives each
// its own /metrics port; it overrides [monitors] metrics_listen.
func TestBinaryMetricsListenFlag(t *testing.T) {
	r := binarytest.New(t, "lazarus-processmonitor")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	list := filepath.Join(r.Dir, "process_list.yaml")
	require.NoError(t, os.WriteFile(list, []byte("[]\n"), 0o600))
	r.Args = []string{"--metrics-listen", addr}
	// [monitors] metrics_listen is left empty (no /metrics): the flag alone
	// opens it.
	r.Start(t, "compute-8", fmt.Sprintf("[processmonitor]\nprocess_list_path = %s\n", list))

	var body string
	deadline := time.Now().Add(30 * time.Second)
	for {
		res, err := http.Get("http://" + addr + "/metrics")
		if err == nil {
			b, _ := io.ReadAll(res.Body)
			res.Body.Close()
			body = string(b)
			break
		}
		require.True(t, time.Now().Before(deadline), "no /metrics on %s: %v", addr, err)
		time.Sleep(100 * time.Millisecond)
	}
	require.Contains(t, body, "lazarus_monitor_spool_events")
}
