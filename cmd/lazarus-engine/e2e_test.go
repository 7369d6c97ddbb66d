package main

import (
	"bufio"
	"context"
	"fmt"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"
	amqp "github.com/rabbitmq/amqp091-go"
	"github.com/stretchr/testify/require"

	"github.com/lazarus-ha/lazarus/engine/enginetest"
	"github.com/lazarus-ha/lazarus/fencing/secret"
	"github.com/lazarus-ha/lazarus/monitors/event"
	"github.com/lazarus-ha/lazarus/monitors/wire"
	"github.com/lazarus-ha/lazarus/store"
	"github.com/lazarus-ha/lazarus/store/storetest"
	"github.com/lazarus-ha/lazarus/test/ipmisim"
	"github.com/lazarus-ha/lazarus/test/novasim"
)

// binary is the lazarus-engine built once for these tests.
var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "lazarus-engine-test")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "lazarus-engine")
	out, err := exec.Command("go", "build", "-o", binary, ".").CombinedOutput()
	if err != nil {
		fmt.Fprintf(os.Stderr, "build lazarus-engine: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

func rabbitURL() string {
	if u := os.Getenv("TEST_RABBITMQ_URL"); u != "" {
		return u
	}
	return "amqp://guest:guest@127.0.0.1:5672/"
}

// cloud is one test's world: a database, novasim over HTTP, RabbitMQ
// queues of its own, BMCs, and engine processes.
type cloud struct {
	t       testing.TB
	dbURL   string
	st      *store.Store
	sim     *novasim.Sim
	nova    *httptest.Server
	queue   string
	keyFile string
	box     *secret.Box
	segment string
	hosts   map[string]string
	bmcs    map[string]*ipmisim.BMC

	mu      sync.Mutex
	engines map[string]*exec.Cmd
	pub     *amqp.Channel
}

func newCloud(t testing.TB, opts novasim.Options) *cloud {
	t.Helper()
	return newCloudOn(t, opts, storetest.NewMigratedDatabase(t))
}

// newCloudOn is newCloud on an existing, migrated database.
func newCloudOn(t testing.TB, opts novasim.Options, dbURL string) *cloud {
	t.Helper()
	c := &cloud{t: t, hosts: map[string]string{}, bmcs: map[string]*ipmisim.BMC{}, engines: map[string]*exec.Cmd{},
		queue: "lazarus.e2e." + uuid.NewString()[:8]}
	c.dbURL = dbURL
	pool, err := pgxpool.New(context.Background(), c.dbURL)
	require.NoError(t, err)
	t.Cleanup(pool.Close)
	c.st = store.New(pool)
	c.sim = novasim.New(opts)
	c.nova = httptest.NewServer(c.sim)
	t.Cleanup(func() { c.nova.Close(); c.sim.Close() })
	key := secret.GenerateKey()
	c.keyFile = filepath.Join(t.TempDir(), "fence.key")
	require.NoError(t, os.WriteFile(c.keyFile, key, 0o600))
	raw, err := secret.ParseKey(key)
	require.NoError(t, err)
	c.box, err = secret.New(raw)
	require.NoError(t, err)
	c.segment = enginetest.Segment(t, c.st, "auto")

	conn, err := amqp.Dial(rabbitURL())
	if err != nil {
		t.Fatalf("connect to RabbitMQ at %s: %v (set TEST_RABBITMQ_URL or run make services)", rabbitURL(), err)
	}
	t.Cleanup(func() {
		if ch, err := conn.Channel(); err == nil {
			_, _ = ch.QueueDelete(c.queue, false, false, false)
			_, _ = ch.QueueDelete(c.queue+".dead", false, false, false)
		}
		conn.Close()
	})
	c.pub, err = conn.Channel()
	require.NoError(t, err)
	require.NoError(t, c.pub.Confirm(false))
	_, err = c.pub.QueueDeclare(c.queue, true, false, false, false, wire.NotificationQueueArgs())
	require.NoError(t, err)
	return c
}

// addHost adds a compute host to Nova and to the segment; with a BMC, its
// fence device too.
func (c *cloud) addHost(name string, withBMC bool) {
	c.t.Helper()
	require.NoError(c.t, c.sim.AddHost(novasim.HostSpec{Name: name}))
	c.hosts[name] = enginetest.Host(c.t, c.st, c.segment, name, false)
	if !withBMC {
		return
	}
	bmc := ipmisim.Start(c.t, 1)[0]
	c.bmcs[name] = bmc
	_, err := c.st.FenceDeviceInsert(context.Background(), &store.FenceDeviceInsertParams{
		HostUUID: c.hosts[name], Level: 1, Driver: "ipmi", Address: bmc.Address, Port: bmc.Port, Username: bmc.Username,
		PasswordEncrypted: c.box.Seal([]byte(bmc.Password), []byte(c.hosts[name])),
		Options:           map[string]string{"cipher_suite": fmt.Sprint(bmc.CipherSuite)},
	})
	require.NoError(c.t, err)
}

// config writes an engine's configuration; overrides replace or add
// options ("section.key": value), and an empty value removes one.
func (c *cloud) config(name string, overrides map[string]string) string {
	c.t.Helper()
	opts := map[string]map[string]string{
		"DEFAULT": {"transport_url": rabbitURL(), "notification_queue": c.queue, "log_format": "text", "debug": "true",
			"verify_interval": "50ms", "host_failure_recovery_threads": "3"},
		"database": {"connection": c.dbURL},
		"nova": {"auth_url": c.nova.URL + "/v3", "username": novasim.DefaultUsername, "password": novasim.DefaultPassword,
			"project_name": novasim.DefaultProjectName},
		"engine": {"lease_ttl": "3s", "poll_interval": "200ms", "metrics_listen": "", "hold_recheck_interval": "500ms",
			"leader_lease_ttl": "3s", "engine_id": name},
		"fencing": {"secret_key_file": c.keyFile, "ipmi_timeout": "300ms", "ipmi_retries": "0", "power_off_timeout": "3s",
			"poll_interval": "100ms", "readiness_interval": "0s"},
		"host_failure": {"evacuate_all_instances": "false"},
	}
	for k, v := range overrides {
		sec, key, _ := strings.Cut(k, ".")
		if v == "" {
			delete(opts[sec], key) // unset: the option's default
			continue
		}
		opts[sec][key] = v
	}
	var sb strings.Builder
	for _, sec := range []string{"DEFAULT", "database", "nova", "engine", "fencing", "host_failure"} {
		fmt.Fprintf(&sb, "[%s]\n", sec)
		for k, v := range opts[sec] {
			fmt.Fprintf(&sb, "%s = %s\n", k, v)
		}
		sb.WriteString("\n")
	}
	path := filepath.Join(c.t.TempDir(), name+".conf")
	require.NoError(c.t, os.WriteFile(path, []byte(sb.String()), 0o600))
	return path
}

// startEngine runs a lazarus-engine process; its log goes to the test log.
func (c *cloud) startEngine(name string) { c.startEngineWith(name, nil) }

// startEngineWith runs a lazarus-engine process with option overrides.
func (c *cloud) startEngineWith(name string, overrides map[string]string) {
	c.t.Helper()
	cmd := exec.Command(binary, "--config", c.config(name, overrides))
	stderr, err := cmd.StderrPipe()
	require.NoError(c.t, err)
	require.NoError(c.t, cmd.Start())
	done := make(chan struct{})
	go func() {
		defer close(done)
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			if testing.Verbose() {
				c.t.Log(name + ": " + sc.Text())
			}
		}
	}()
	c.mu.Lock()
	c.engines[name] = cmd
	c.mu.Unlock()
	c.t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		t := time.AfterFunc(10*time.Second, func() { _ = cmd.Process.Kill() })
		<-done
		_ = cmd.Wait()
		t.Stop()
	})
}

// kill9 SIGKILLs an engine: no cleanup, no lease given back.
func (c *cloud) kill9(name string) {
	c.t.Helper()
	c.mu.Lock()
	cmd := c.engines[name]
	c.mu.Unlock()
	require.NoError(c.t, cmd.Process.Kill())
}

// publish sends a monitor event the way a host monitor does.
func (c *cloud) publish(id, observer, host string, payload map[string]string) {
	c.t.Helper()
	e := &event.Event{Version: event.Version, ID: id, Observer: observer, Monitor: event.MonitorHost, SentAt: time.Now(),
		Notification: event.Notification{Type: event.TypeComputeHost, Hostname: host, GeneratedTime: time.Now().Truncate(time.Second), Payload: payload}}
	body, err := e.Encode()
	require.NoError(c.t, err)
	dc, err := c.pub.PublishWithDeferredConfirmWithContext(context.Background(), "", c.queue, false, false,
		amqp.Publishing{DeliveryMode: amqp.Persistent, MessageId: id, ContentType: "application/json", Body: body})
	require.NoError(c.t, err)
	ok, err := dc.WaitContext(context.Background())
	require.NoError(c.t, err)
	require.True(c.t, ok)
}

var stopped = map[string]string{"event": "STOPPED", "host_status": "NORMAL", "cluster_status": "OFFLINE"}

func waitFor(t testing.TB, what string, limit time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// notificationOf returns the notification made from event id ("" until
// the intake committed it).
func (c *cloud) notificationOf(eventID string) (id, status, message string) {
	_ = c.st.Pool().QueryRow(context.Background(), `SELECT notification_uuid::text, status, COALESCE(message, '')
		FROM notifications WHERE event_id = $1`, eventID).Scan(&id, &status, &message)
	return id, status, message
}

func (c *cloud) waitStatus(eventID string, statuses ...string) (string, string) {
	c.t.Helper()
	var st, msg string
	waitFor(c.t, "notification of "+eventID+" to reach "+strings.Join(statuses, "|"), 2*time.Minute, func() bool {
		_, st, msg = c.notificationOf(eventID)
		for _, s := range statuses {
			if st == s {
				return true
			}
		}
		return false
	})
	return st, msg
}

func (c *cloud) addServers(host string, n int, ha bool) []string {
	c.t.Helper()
	var ids []string
	for i := range n {
		md := map[string]string{}
		if ha {
			md["HA_Enabled"] = "True"
		}
		id, err := c.sim.AddServer(novasim.ServerSpec{Host: host, Name: fmt.Sprintf("%s-%v-%d", host, ha, i), Metadata: md})
		require.NoError(c.t, err)
		ids = append(ids, id)
	}
	return ids
}

// TestE2EHostFailureTimeline: a host dies at t=0; two host monitors report
// it through RabbitMQ to two engines. One recovery fences it through its
// BMC (ipmi_sim: its host process dies), forces it down, and evacuates
// exactly the HA instances to the other hosts.
func TestE2EHostFailureTimeline(t *testing.T) {
	t.Parallel()
	c := newCloud(t, novasim.Options{ServiceDownTime: time.Second, EvacuateDelay: 100 * time.Millisecond})
	c.addHost("c1", true)
	c.addHost("c2", false)
	c.addHost("c3", false)
	haIDs := c.addServers("c1", 4, true)
	plainIDs := c.addServers("c1", 2, false)
	c.startEngine("engine-a")
	c.startEngine("engine-b")

	t0 := time.Now()
	require.NoError(t, c.sim.KillHost("c1"))
	c.publish("ev-c2", "c2", "c1", stopped)
	waitFor(t, "the first report to be committed", time.Minute, func() bool { id, _, _ := c.notificationOf("ev-c2"); return id != "" })
	c.publish("ev-c3", "c3", "c1", stopped) // the same failure from a second monitor
	status, msg := c.waitStatus("ev-c2", "finished", "error")
	require.Equal(t, "finished", status, msg)
	t.Logf("t=0 host died; finished after %s", time.Since(t0).Round(time.Millisecond))

	require.False(t, c.bmcs["c1"].HostAlive(), "the BMC powered the host off")
	svc, _ := c.sim.Service("c1")
	require.True(t, svc.ForcedDown)
	require.Equal(t, "disabled", svc.Status)
	for _, id := range haIDs {
		require.Equal(t, 1, c.sim.EvacuateCount(id), "HA instance %s evacuated exactly once", id)
		s, _ := c.sim.Server(id)
		require.Contains(t, []string{"c2", "c3"}, s.Host)
		require.Equal(t, "ACTIVE", s.Status)
	}
	for _, id := range plainIDs {
		require.Zero(t, c.sim.EvacuateCount(id), "non-HA instance %s stays", id)
	}
	var recs int
	require.NoError(t, c.st.Pool().QueryRow(context.Background(), `SELECT count(*) FROM recoveries WHERE kind = 'host'`).Scan(&recs))
	require.Equal(t, 1, recs, "two engines, two reports: one recovery")
	n, _, _ := c.notificationOf("ev-c2")
	obs, err := c.st.NotificationObservers(context.Background(), n)
	require.NoError(t, err)
	require.Len(t, obs, 2, "both monitors kept as evidence")
}

// TestE2EBMCDarkHolds: the BMC does not answer; nothing is evacuated and
// the recovery holds with the reason.
func TestE2EBMCDarkHolds(t *testing.T) {
	t.Parallel()
	c := newCloud(t, novasim.Options{ServiceDownTime: time.Second})
	c.addHost("c1", true)
	c.addHost("c2", false)
	ids := c.addServers("c1", 3, true)
	require.NoError(t, c.bmcs["c1"].Pause())
	t.Cleanup(func() { _ = c.bmcs["c1"].Resume() })
	c.startEngine("engine-a")
	require.NoError(t, c.sim.KillHost("c1"))
	c.publish("ev-1", "c2", "c1", stopped)
	waitFor(t, "the recovery to hold", 2*time.Minute, func() bool {
		var state string
		_ = c.st.Pool().QueryRow(context.Background(), `SELECT state FROM recoveries`).Scan(&state)
		return state == "held"
	})
	_, status, msg := c.notificationOf("ev-1")
	require.Equal(t, "running", status)
	require.Contains(t, msg, "not proven dead")
	for _, id := range ids {
		require.Zero(t, c.sim.EvacuateCount(id))
	}
	svc, _ := c.sim.Service("c1")
	require.False(t, svc.ForcedDown, "not even forced down before the host is proven dead")

	// The operator checks the host and confirms it off (POST
	// .../fence_confirm): the held recovery proceeds without a fence.
	_, err := c.st.FenceConfirmationInsert(context.Background(), &store.FenceConfirmationInsertParams{HostUUID: c.hosts["c1"],
		ConfirmedBy: "operator", Comment: "pulled the power cords"})
	require.NoError(t, err)
	status, msg = c.waitStatus("ev-1", "finished", "error")
	require.Equal(t, "finished", status, msg)
	for _, id := range ids {
		require.Equal(t, 1, c.sim.EvacuateCount(id))
	}
	svc, _ = c.sim.Service("c1")
	require.True(t, svc.ForcedDown)
}

// TestE2EEngineKilledMidEvacuation: SIGKILL the engine while it evacuates;
// a second engine resumes after the lease expires and no instance is
// evacuated twice.
func TestE2EEngineKilledMidEvacuation(t *testing.T) {
	t.Parallel()
	c := newCloud(t, novasim.Options{ServiceDownTime: time.Second, EvacuateDelay: 400 * time.Millisecond})
	c.addHost("c1", true)
	c.addHost("c2", false)
	c.addHost("c3", false)
	ids := c.addServers("c1", 24, true)
	c.startEngine("doomed")
	require.NoError(t, c.sim.KillHost("c1"))
	c.publish("ev-1", "c2", "c1", stopped)
	waitFor(t, "evacuations to start", 2*time.Minute, func() bool { return len(c.sim.EvacuateCalls()) >= 5 })
	c.kill9("doomed")
	before := len(c.sim.EvacuateCalls())
	require.Less(t, before, len(ids), "killed mid-evacuation")
	c.startEngine("survivor")
	status, msg := c.waitStatus("ev-1", "finished", "error")
	require.Equal(t, "finished", status, msg)
	for _, id := range ids {
		require.Equal(t, 1, c.sim.EvacuateCount(id), "instance %s evacuated exactly once", id)
		s, _ := c.sim.Server(id)
		require.NotEqual(t, "c1", s.Host)
	}
	var epochs int
	require.NoError(t, c.st.Pool().QueryRow(context.Background(), `SELECT count(DISTINCT epoch) FROM recovery_steps`).Scan(&epochs))
	require.GreaterOrEqual(t, epochs, 2, "the journal shows the takeover")
}
