package compat

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/lazarus-ha/lazarus/store/storetest"
)

// startAPI builds lazarus-api, starts it (noauth2, fresh database) and
// returns its v1 endpoint.
func startAPI(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	bin := filepath.Join(dir, "lazarus-api")
	build := exec.Command("go", "build", "-o", bin, "github.com/lazarus-ha/lazarus/cmd/lazarus-api")
	build.Env = append(os.Environ(), "GOFLAGS=-buildvcs=false")
	out, err := build.CombinedOutput()
	require.NoError(t, err, "build lazarus-api: %s", out)

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	conf := filepath.Join(dir, "lazarus.conf")
	require.NoError(t, os.WriteFile(conf, []byte(fmt.Sprintf(`[DEFAULT]
auth_strategy = noauth2
[database]
connection = %s
[api]
listen = %s
metrics_listen =
validate_compute_hosts = false
policy_file =
`, storetest.NewMigratedDatabase(t), addr)), 0o600))

	ctx, cancel := context.WithCancel(context.Background())
	// The process writes its log while this goroutine may read it.
	logs := &lockedBuffer{}
	cmd := exec.CommandContext(ctx, bin, "--config", conf)
	cmd.Stdout, cmd.Stderr = logs, logs
	require.NoError(t, cmd.Start())
	t.Cleanup(func() {
		cancel()
		_ = cmd.Wait()
		if t.Failed() {
			t.Logf("lazarus-api log:\n%s", logs.String())
		}
	})
	deadline := time.Now().Add(30 * time.Second)
	for {
		res, err := http.Get("http://" + addr + "/healthcheck")
		if err == nil {
			res.Body.Close()
			break
		}
		require.True(t, time.Now().Before(deadline), "lazarus-api did not answer: %s", logs.String())
		select {
		case <-time.After(50 * time.Millisecond):
		case <-ctx.Done():
		}
	}
	return "http://" + addr + "/v1"
}

// cli runs `openstack --os-auth-type none --os-endpoint E args...` with
// no OS_* variable in its environment.
type cli struct {
	t        *testing.T
	endpoint string
	env      []string
}

func newCLI(t *testing.T, endpoint string) *cli {
	t.Helper()
	if _, err := exec.LookPath("openstack"); err != nil {
		t.Fatalf("the openstack CLI is missing: install python3-openstackclient and python3-masakariclient (make services does): %v", err)
	}
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "OS_") {
			env = append(env, kv)
		}
	}
	env = append(env, "HOME="+t.TempDir()) // no clouds.yaml of the machine
	return &cli{t: t, endpoint: endpoint, env: env}
}

func (c *cli) run(args ...string) (string, error) {
	c.t.Helper()
	full := append([]string{"--os-auth-type", "none", "--os-endpoint", c.endpoint}, args...)
	cmd := exec.Command("openstack", full...)
	cmd.Env = c.env
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if err != nil {
		return stdout.String() + stderr.String(), fmt.Errorf("openstack %s: %w: %s%s", strings.Join(args, " "), err, stdout.String(), stderr.String())
	}
	return stdout.String(), nil
}

func (c *cli) json(args ...string) map[string]any {
	c.t.Helper()
	out, err := c.run(append(args, "-f", "json")...)
	require.NoError(c.t, err)
	var m map[string]any
	require.NoError(c.t, json.Unmarshal([]byte(out), &m), out)
	return m
}

func (c *cli) jsonList(args ...string) []map[string]any {
	c.t.Helper()
	out, err := c.run(append(args, "-f", "json")...)
	require.NoError(c.t, err)
	var l []map[string]any
	require.NoError(c.t, json.Unmarshal([]byte(out), &l), out)
	return l
}

func keys(m map[string]any) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func TestOpenstackCLI(t *testing.T) {
	t.Parallel()
	c := newCLI(t, startAPI(t))

	// Segments.
	seg := c.json("segment", "create", "segment1", "auto", "COMPUTE", "--description", "first segment")
	require.ElementsMatch(t, []string{"created_at", "updated_at", "uuid", "name", "description", "id", "service_type", "recovery_method", "is_enabled"}, keys(seg))
	require.Equal(t, "segment1", seg["name"])
	require.Equal(t, "first segment", seg["description"])
	require.Equal(t, "auto", seg["recovery_method"])
	require.Equal(t, "COMPUTE", seg["service_type"])
	require.Equal(t, true, seg["is_enabled"])
	require.Nil(t, seg["updated_at"])
	require.Regexp(t, `^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000000$`, seg["created_at"])
	segUUID := seg["uuid"].(string)
	seg2 := c.json("segment", "create", "segment2", "reserved_host", "COMPUTE", "--is_enabled", "False")
	require.Equal(t, false, seg2["is_enabled"])

	list := c.jsonList("segment", "list")
	require.Len(t, list, 2)
	require.Equal(t, "segment2", list[0]["name"], "newest first")
	require.ElementsMatch(t, []string{"uuid", "name", "description", "service_type", "recovery_method", "is_enabled"}, keys(list[0]))
	list = c.jsonList("segment", "list", "--filters", "recovery_method=auto")
	require.Len(t, list, 1)
	require.Equal(t, segUUID, list[0]["uuid"])
	// openstacksdk takes --limit as the page size and follows pages with
	// the last item's integer id as marker until one comes back short:
	// this walks our marker paging.
	list = c.jsonList("segment", "list", "--sort", "name:asc", "--limit", "1")
	require.Len(t, list, 2)
	require.Equal(t, "segment1", list[0]["name"])
	require.Equal(t, "segment2", list[1]["name"])

	shown := c.json("segment", "show", "segment1") // by name: the client resolves it
	require.Equal(t, seg, shown)
	shown = c.json("segment", "show", segUUID)
	require.Equal(t, seg, shown)

	up := c.json("segment", "update", "segment1", "--description", "renamed", "--recovery_method", "rh_priority", "--is_enabled", "False")
	require.Equal(t, "renamed", up["description"])
	require.Equal(t, "rh_priority", up["recovery_method"])
	require.Equal(t, false, up["is_enabled"])
	require.NotNil(t, up["updated_at"])

	// Hosts.
	host := c.json("segment", "host", "create", "compute-1", "COMPUTE", "SSH", segUUID)
	require.ElementsMatch(t, []string{"created_at", "updated_at", "uuid", "name", "type", "control_attributes", "reserved", "on_maintenance", "failover_segment_id"}, keys(host))
	require.Equal(t, "compute-1", host["name"])
	require.Equal(t, segUUID, host["failover_segment_id"])
	require.Equal(t, false, host["reserved"])
	hostUUID := host["uuid"].(string)
	c.json("segment", "host", "create", "compute-2", "COMPUTE", "SSH", "segment1", "--reserved", "True")

	hosts := c.jsonList("segment", "host", "list", segUUID)
	require.Len(t, hosts, 2)
	require.ElementsMatch(t, []string{"uuid", "name", "type", "control_attributes", "reserved", "on_maintenance", "failover_segment_id"}, keys(hosts[0]))
	hosts = c.jsonList("segment", "host", "list", segUUID, "--filters", "reserved=True")
	require.Len(t, hosts, 1)
	require.Equal(t, "compute-2", hosts[0]["name"])

	require.Equal(t, host, c.json("segment", "host", "show", segUUID, "compute-1"))
	require.Equal(t, host, c.json("segment", "host", "show", "segment1", hostUUID))

	hup := c.json("segment", "host", "update", segUUID, "compute-1", "--control_attributes", "IPMI", "--on_maintenance", "True")
	require.Equal(t, "IPMI", hup["control_attributes"])
	require.Equal(t, true, hup["on_maintenance"])
	hup = c.json("segment", "host", "update", segUUID, "compute-1", "--on_maintenance", "False")
	require.Equal(t, false, hup["on_maintenance"])

	// Notifications.
	n := c.json("notification", "create", "COMPUTE_HOST", "compute-1", "2026-01-02T03:04:05", `{"event": "STOPPED", "host_status": "NORMAL", "cluster_status": "OFFLINE"}`)
	require.Equal(t, "new", n["status"])
	require.Equal(t, "COMPUTE_HOST", n["type"])
	require.Equal(t, hostUUID, n["source_host_uuid"])
	require.Equal(t, "2026-01-02T03:04:05.000000", n["generated_time"])
	require.Equal(t, map[string]any{"event": "STOPPED", "host_status": "NORMAL", "cluster_status": "OFFLINE"}, n["payload"])
	require.Equal(t, []any{}, n["recovery_workflow_details"])
	nUUID := n["notification_uuid"].(string)

	// A duplicate is refused with Masakari's message.
	out, err := c.run("notification", "create", "COMPUTE_HOST", "compute-1", "2026-01-02T03:05:05", `{"event": "STOPPED", "host_status": "NORMAL", "cluster_status": "OFFLINE"}`)
	require.Error(t, err)
	require.Contains(t, out, "Notification received from host compute-1 of type COMPUTE_HOST is duplicate.")

	nl := c.jsonList("notification", "list")
	require.Len(t, nl, 1)
	require.ElementsMatch(t, []string{"notification_uuid", "generated_time", "status", "type", "source_host_uuid", "payload"}, keys(nl[0]))
	require.Equal(t, nUUID, nl[0]["notification_uuid"])
	require.Empty(t, c.jsonList("notification", "list", "--filters", "type=VM"))

	ns := c.json("notification", "show", nUUID)
	require.Equal(t, n, ns)

	// While the notification is new, the segment and its hosts are in use.
	out, err = c.run("segment", "update", segUUID, "--description", "x")
	require.Error(t, err)
	require.Contains(t, out, "can't be updated as it is in-use to process notifications.")
	out, err = c.run("segment", "host", "delete", segUUID, "compute-2")
	require.Error(t, err)
	require.Contains(t, out, "can't be deleted as it is in-use to process notifications.")
}

// TestOpenstackCLIDelete covers the delete commands on a segment with no
// notification.
func TestOpenstackCLIDelete(t *testing.T) {
	t.Parallel()
	c := newCLI(t, startAPI(t))
	seg := c.json("segment", "create", "doomed", "auto", "COMPUTE")
	segUUID := seg["uuid"].(string)
	c.json("segment", "host", "create", "compute-9", "COMPUTE", "SSH", segUUID)

	out, err := c.run("segment", "host", "delete", segUUID, "compute-9")
	require.NoError(t, err)
	require.Equal(t, "Host deleted: compute-9\n", out)
	require.Empty(t, c.jsonList("segment", "host", "list", segUUID))

	out, err = c.run("segment", "delete", segUUID)
	require.NoError(t, err)
	require.Equal(t, "Segment deleted: "+segUUID+"\n", out)
	require.Empty(t, c.jsonList("segment", "list"))

	out, err = c.run("segment", "show", segUUID)
	require.Error(t, err)
	// The client looks the segment up first and prints its own message.
	require.Equal(t, "Segment is not found: "+segUUID+"\n", out)
}

// lockedBuffer is a bytes.Buffer safe for one writer and concurrent readers.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
