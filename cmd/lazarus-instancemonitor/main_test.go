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

// The binary, its config and the broker together: a domain crash reported
// by (a stand-in for) virsh ends as a VM notification on the queue.
func TestBinaryPublishesVMEvent(t *testing.T) {
	r := binarytest.New(t, "lazarus-instancemonitor")
	dir := r.Dir
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
	r.Start(t, "compute-7", fmt.Sprintf("[instancemonitor]\nvirsh_path = %s\n", virsh))

	e := r.NextEvent(t, 30*time.Second)
	require.Equal(t, event.TypeVM, e.Notification.Type)
	require.Equal(t, "compute-7", e.Notification.Hostname)
	require.Equal(t, map[string]string{"event": "LIFECYCLE", "instance_uuid": uuid1, "vir_domain_event": "STOPPED_FAILED"},
		e.Notification.Payload)
}
