package main

import (
	"fmt"
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
