//go:build e2e

package e2e

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/openstack"
	amqp "github.com/rabbitmq/amqp091-go"
	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"

	v1 "github.com/lazarus-ha/lazarus/openstack/instanceha/v1"
	"github.com/lazarus-ha/lazarus/openstack/instanceha/v1/fencedevices"
	"github.com/lazarus-ha/lazarus/openstack/instanceha/v1/hosts"
	"github.com/lazarus-ha/lazarus/openstack/instanceha/v1/notifications"
	"github.com/lazarus-ha/lazarus/openstack/instanceha/v1/segments"
	"github.com/lazarus-ha/lazarus/openstack/instanceha/v1/vmoves"
	"github.com/lazarus-ha/lazarus/store/storetest"
)

const (
	apiListen   = "127.0.0.1:15868" // the catalog's instance-ha endpoint
	glanceURL   = "http://127.0.0.1:19292"
	computes    = 3
	novaVersion = "2.53"
)

// env is one run of the suite: the cloud, the Lazarus processes and clients.
type env struct {
	root, here, state, bin, work string
	conf                         string
	cloudsYAML                   string

	nova   *gophercloud.ServiceClient // admin, microversion 2.53
	glance *gophercloud.ServiceClient
	ha     *gophercloud.ServiceClient // lazarus user, through the catalog

	flavor, image string
	segment       string
	confirmedAt   time.Time // scenario 2's operator fence confirmation
	hostUUID      map[string]string

	queue   string   // the notification queue
	engines []string // names of the engine replicas started

	mu       sync.Mutex
	procs    map[string]*exec.Cmd
	logs     map[string]*os.File
	procConf map[string][2]string // name -> binary, config
	prefix   string
}

// clouds is the part of clouds.yaml the suite reads.
type clouds struct {
	Clouds map[string]struct {
		Auth struct {
			AuthURL           string `yaml:"auth_url"`
			Username          string `yaml:"username"`
			Password          string `yaml:"password"`
			ProjectName       string `yaml:"project_name"`
			UserDomainName    string `yaml:"user_domain_name"`
			ProjectDomainName string `yaml:"project_domain_name"`
		} `yaml:"auth"`
	} `yaml:"clouds"`
}

func logf(format string, args ...any) {
	fmt.Printf("[e2e %s] %s\n", time.Now().UTC().Format("15:04:05.000"), fmt.Sprintf(format, args...))
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// poll calls f every interval until it returns true, an error, or limit passes.
func poll(ctx context.Context, limit, interval time.Duration, what string, f func() (bool, error)) error {
	deadline := time.Now().Add(limit)
	var last error
	for {
		ok, err := f()
		if err == nil && ok {
			return nil
		}
		if err != nil {
			last = err
		}
		if time.Now().After(deadline) {
			if last != nil {
				return fmt.Errorf("%s: not within %s (last error: %w)", what, limit, last)
			}
			return fmt.Errorf("%s: not within %s", what, limit)
		}
		if err := sleepCtx(ctx, interval); err != nil {
			return err
		}
	}
}

func randHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func readSecret(t *testing.T, state, name string) string {
	b, err := os.ReadFile(filepath.Join(state, "secrets", name))
	require.NoError(t, err, "read secret %s (is the cloud up?)", name)
	return strings.TrimSpace(string(b))
}

// setupOpts changes what setup prepares; the zero value is make e2e's.
type setupOpts struct {
	// db is the database URL (default: a new database on the shared server).
	db string
	// amqp is the broker URL of lazarus-api and the engines (default: the
	// shared RabbitMQ), queue the notification queue (default: per run).
	amqp, queue string
	// engines names the lazarus-engine replicas, each with its own
	// engine_id (default: one, "lazarus-engine").
	engines []string
}

// setup brings up the cloud, builds Lazarus, prepares its database and
// configuration, starts lazarus-api and lazarus-engine and registers the
// segment, the compute hosts and their BMCs.
func setup(ctx context.Context, t *testing.T) *env { return setupWith(ctx, t, setupOpts{}) }

// setupWith is setup with options (make chaos: a private database, the
// cloud's Lazarus broker through a proxy, two engine replicas).
func setupWith(ctx context.Context, t *testing.T, o setupOpts) *env {
	wd, err := os.Getwd()
	require.NoError(t, err)
	e := &env{here: wd, root: filepath.Clean(filepath.Join(wd, "..", "..")), procs: map[string]*exec.Cmd{},
		logs: map[string]*os.File{}, procConf: map[string][2]string{}, hostUUID: map[string]string{}, prefix: "e2e-" + randHex(3)}
	e.state = envOr("LAZARUS_E2E_STATE_DIR", filepath.Join(wd, ".state"))
	e.cloudsYAML = filepath.Join(e.state, "clouds.yaml")
	if os.Getenv("LAZARUS_E2E_NO_SETUP") != "1" {
		t0 := time.Now()
		cmd := exec.CommandContext(ctx, "bash", filepath.Join(wd, "cloud.sh"), "up")
		cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
		require.NoError(t, cmd.Run(), "cloud.sh up")
		logf("cloud.sh up: %.1f s", time.Since(t0).Seconds())
	}
	e.work = t.TempDir()
	e.bin = filepath.Join(e.work, "bin")
	t0 := time.Now()
	build := exec.CommandContext(ctx, "go", "build", "-o", e.bin+"/", "./cmd/...")
	build.Dir = e.root
	out, err := build.CombinedOutput()
	require.NoError(t, err, "go build ./cmd/...: %s", out)
	logf("built the Lazarus binaries in %.1f s", time.Since(t0).Seconds())

	var cl clouds
	raw, err := os.ReadFile(e.cloudsYAML)
	require.NoError(t, err, "read %s (is the cloud up?)", e.cloudsYAML)
	require.NoError(t, yaml.Unmarshal(raw, &cl))
	admin := cl.Clouds["lazarus-e2e"].Auth
	lz := cl.Clouds["lazarus-e2e-lazarus"].Auth
	require.NotEmpty(t, admin.Password, "clouds.yaml has no lazarus-e2e cloud")
	require.NotEmpty(t, lz.Password, "clouds.yaml has no lazarus-e2e-lazarus cloud")

	adminProv, err := openstack.AuthenticatedClient(ctx, gophercloud.AuthOptions{
		IdentityEndpoint: admin.AuthURL, Username: admin.Username, Password: admin.Password,
		DomainName: admin.UserDomainName, TenantName: admin.ProjectName, AllowReauth: true,
		Scope: &gophercloud.AuthScope{ProjectName: admin.ProjectName, DomainName: admin.ProjectDomainName},
	})
	require.NoError(t, err, "keystone login as admin")
	e.nova, err = openstack.NewComputeV2(adminProv, gophercloud.EndpointOpts{Region: "RegionOne"})
	require.NoError(t, err)
	e.nova.Microversion = novaVersion
	e.glance = &gophercloud.ServiceClient{ProviderClient: adminProv, Endpoint: glanceURL + "/"}

	// Database and configuration.
	db := o.db
	if db == "" {
		db = storetest.NewDatabase(t)
	}
	keyFile := filepath.Join(e.work, "fence.key")
	out, err = exec.CommandContext(ctx, e.binary("lazarus-manage"), "fence", "genkey", "--out", keyFile).CombinedOutput()
	require.NoError(t, err, "lazarus-manage fence genkey: %s", out)
	e.conf = filepath.Join(e.work, "lazarus.conf")
	queue := o.queue
	if queue == "" {
		queue = "lazarus.cloud-e2e." + e.prefix
	}
	amqpURL := o.amqp
	if amqpURL == "" {
		amqpURL = envOr("TEST_RABBITMQ_URL", "amqp://guest:guest@127.0.0.1:5672/")
		t.Cleanup(func() { deleteQueues(amqpURL, queue, queue+".dead", queue+".heartbeats") })
	}
	e.queue = queue
	conf := fmt.Sprintf(`[DEFAULT]
auth_strategy = keystone
transport_url = %s
notification_queue = %s
log_format = text
debug = true
duplicate_notification_detection_interval = 1s

[database]
connection = %s

[api]
listen = %s
metrics_listen = 127.0.0.1:0

[keystone_authtoken]
auth_url = %s
username = lazarus
password = %s
project_name = service
interface = public

[nova]
auth_url = %s
username = lazarus
password = %s
project_name = service
region_name = RegionOne

[fencing]
secret_key_file = %s
require_fencing = true

[engine]
metrics_listen = 127.0.0.1:0
hold_recheck_interval = 3s

[host_failure]
evacuate_all_instances = false
# The scenarios fence compute-1 several times within minutes: the storm
# brake's rate limit (default 5 per 10 min) is not what they test.
max_fences_per_window = 50
`, amqpURL, queue, db, apiListen,
		lz.AuthURL, lz.Password, lz.AuthURL, lz.Password, keyFile)
	require.NoError(t, os.WriteFile(e.conf, []byte(conf), 0o600))
	out, err = exec.CommandContext(ctx, e.binary("lazarus-manage"), "--config", e.conf, "config", "check").CombinedOutput()
	require.NoError(t, err, "lazarus-manage config check: %s", out)
	out, err = exec.CommandContext(ctx, e.binary("lazarus-manage"), "--config", e.conf, "db", "sync").CombinedOutput()
	require.NoError(t, err, "lazarus-manage db sync: %s", out)

	require.NoError(t, os.MkdirAll(filepath.Join(e.state, "logs"), 0o755))
	e.start(t, "lazarus-api")
	t.Cleanup(func() { e.stopAll() })
	require.NoError(t, poll(ctx, 30*time.Second, 100*time.Millisecond, "lazarus-api answers", func() (bool, error) {
		resp, err := http.Get("http://" + apiListen + "/")
		if err != nil {
			return false, err
		}
		resp.Body.Close()
		return true, nil
	}), "see %s", e.logPath("lazarus-api"))
	engines := o.engines
	if len(engines) == 0 {
		engines = []string{"lazarus-engine"}
	}
	for _, name := range engines {
		c := e.conf
		if len(engines) > 1 {
			c = filepath.Join(e.work, name+".conf")
			require.NoError(t, os.WriteFile(c, []byte(strings.Replace(conf, "[engine]\n", "[engine]\nengine_id = "+name+"\n", 1)), 0o600))
		}
		e.startWith(t, name, "lazarus-engine", c)
	}
	e.engines = engines

	lzProv, err := openstack.AuthenticatedClient(ctx, gophercloud.AuthOptions{
		IdentityEndpoint: lz.AuthURL, Username: lz.Username, Password: lz.Password,
		DomainName: lz.UserDomainName, AllowReauth: true,
		Scope: &gophercloud.AuthScope{ProjectName: lz.ProjectName, DomainName: lz.ProjectDomainName},
	})
	require.NoError(t, err, "keystone login as lazarus")
	e.ha, err = v1.NewInstanceHAV1(lzProv, gophercloud.EndpointOpts{Region: "RegionOne"})
	require.NoError(t, err, "instance-ha endpoint from the catalog")
	e.ha.Microversion = "1.3"
	logf("instance-ha endpoint from the keystone catalog: %s", e.ha.Endpoint)

	e.lookupResources(ctx, t)
	e.register(ctx, t)
	return e
}

// deleteQueues removes this run's queues from the shared broker.
func deleteQueues(url string, names ...string) {
	conn, err := amqp.Dial(url)
	if err != nil {
		logf("cleanup: connect to RabbitMQ: %v", err)
		return
	}
	defer conn.Close()
	for _, n := range names {
		ch, err := conn.Channel()
		if err != nil {
			return
		}
		if _, err := ch.QueueDelete(n, false, false, false); err != nil {
			logf("cleanup: delete queue %s: %v", n, err)
		}
		_ = ch.Close()
	}
}

func envOr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}

func (e *env) binary(name string) string { return filepath.Join(e.bin, name) }

func (e *env) logPath(name string) string { return filepath.Join(e.state, "logs", name+".log") }

// start runs a Lazarus daemon in its own process group, appending to its log.
func (e *env) start(t *testing.T, name string) { e.startWith(t, name, name, e.conf) }

// startWith runs binary with config conf as the daemon name.
func (e *env) startWith(t *testing.T, name, binary, conf string) {
	f, err := os.OpenFile(e.logPath(name), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	require.NoError(t, err)
	fmt.Fprintf(f, "\n==== e2e %s: starting %s ====\n", time.Now().UTC().Format(time.RFC3339), name)
	cmd := exec.Command(e.binary(binary), "--config", conf)
	cmd.Stdout, cmd.Stderr = f, f
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
	require.NoError(t, cmd.Start(), "start %s", name)
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	e.mu.Lock()
	e.procs[name] = cmd
	if old := e.logs[name]; old != nil {
		old.Close()
	}
	e.logs[name] = f
	e.procConf[name] = [2]string{binary, conf}
	e.mu.Unlock()
	logf("started %s (pid %d, log %s)", name, cmd.Process.Pid, e.logPath(name))
}

// kill sends sig to a daemon's process group and waits for it to end.
func (e *env) kill(name string, sig syscall.Signal) {
	e.mu.Lock()
	cmd := e.procs[name]
	delete(e.procs, name)
	e.mu.Unlock()
	if cmd == nil || cmd.Process == nil {
		return
	}
	_ = syscall.Kill(-cmd.Process.Pid, sig)
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if syscall.Kill(cmd.Process.Pid, 0) != nil {
			break
		}
		var ws syscall.WaitStatus
		if pid, _ := syscall.Wait4(cmd.Process.Pid, &ws, syscall.WNOHANG, nil); pid == cmd.Process.Pid {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
}

func (e *env) stopAll() {
	for _, n := range append(append([]string{}, e.engines...), "lazarus-api") {
		e.kill(n, syscall.SIGTERM)
	}
	for _, f := range e.logs {
		f.Close()
	}
}

// novaDo is a Nova REST call at microversion 2.53 with a JSON body and answer.
func (e *env) novaDo(ctx context.Context, method, path string, body, out any, ok ...int) error {
	opts := &gophercloud.RequestOpts{JSONBody: body, JSONResponse: out, OkCodes: ok,
		MoreHeaders: map[string]string{"OpenStack-API-Version": "compute " + novaVersion, "X-OpenStack-Nova-API-Version": novaVersion}}
	if out == nil {
		opts.KeepResponseBody = false
	}
	_, err := e.nova.Request(ctx, method, e.nova.ServiceURL(strings.TrimPrefix(path, "/")), opts)
	if err != nil {
		return fmt.Errorf("nova %s %s: %w", method, path, err)
	}
	return nil
}

type service struct {
	ID         string `json:"id"`
	Host       string `json:"host"`
	Status     string `json:"status"`
	State      string `json:"state"`
	ForcedDown bool   `json:"forced_down"`
	Reason     any    `json:"disabled_reason"`
	UpdatedAt  string `json:"updated_at"`
}

func (e *env) service(ctx context.Context, host string) (service, error) {
	var out struct {
		Services []service `json:"services"`
	}
	if err := e.novaDo(ctx, "GET", "/os-services?binary=nova-compute&host="+host, nil, &out, 200); err != nil {
		return service{}, err
	}
	if len(out.Services) != 1 {
		return service{}, fmt.Errorf("nova-compute on %s: %d services", host, len(out.Services))
	}
	return out.Services[0], nil
}

type server struct {
	ID       string            `json:"id"`
	Name     string            `json:"name"`
	Status   string            `json:"status"`
	Host     string            `json:"OS-EXT-SRV-ATTR:host"`
	Task     *string           `json:"OS-EXT-STS:task_state"`
	Metadata map[string]string `json:"metadata"`
}

func (e *env) servers(ctx context.Context, prefix string) (map[string]server, error) {
	var out struct {
		Servers []server `json:"servers"`
	}
	if err := e.novaDo(ctx, "GET", "/servers/detail?all_tenants=1&name=^"+prefix+"-", nil, &out, 200); err != nil {
		return nil, err
	}
	m := map[string]server{}
	for _, s := range out.Servers {
		m[s.ID] = s
	}
	return m, nil
}

type migration struct {
	InstanceUUID string `json:"instance_uuid"`
	Source       string `json:"source_compute"`
	Dest         string `json:"dest_compute"`
	Status       string `json:"status"`
	Type         string `json:"migration_type"`
	CreatedAt    string `json:"created_at"`
}

// evacuations counts Nova's evacuation migrations per instance uuid.
func (e *env) evacuations(ctx context.Context, ids []string) (map[string][]migration, error) {
	var out struct {
		Migrations []migration `json:"migrations"`
	}
	if err := e.novaDo(ctx, "GET", "/os-migrations?migration_type=evacuation", nil, &out, 200); err != nil {
		return nil, err
	}
	want := map[string]bool{}
	for _, id := range ids {
		want[id] = true
	}
	m := map[string][]migration{}
	for _, mg := range out.Migrations {
		if want[mg.InstanceUUID] {
			m[mg.InstanceUUID] = append(m[mg.InstanceUUID], mg)
		}
	}
	return m, nil
}

func (e *env) lookupResources(ctx context.Context, t *testing.T) {
	var fl struct {
		Flavors []struct{ ID, Name string } `json:"flavors"`
	}
	require.NoError(t, e.novaDo(ctx, "GET", "/flavors", nil, &fl, 200))
	for _, f := range fl.Flavors {
		if f.Name == "e2e.tiny" {
			e.flavor = f.ID
		}
	}
	var im struct {
		Images []struct{ ID string } `json:"images"`
	}
	_, err := e.glance.Get(ctx, glanceURL+"/v2/images?name=e2e-raw", &im, nil)
	require.NoError(t, err, "glance image list")
	require.NotEmpty(t, e.flavor, "flavor e2e.tiny")
	require.Len(t, im.Images, 1, "image e2e-raw")
	e.image = im.Images[0].ID
}

func hostName(i int) string { return fmt.Sprintf("compute-%d", i) }

// register creates the segment, the compute hosts and one IPMI fence
// device per host (the cloud's BMCs) through the API with a keystone token.
func (e *env) register(ctx context.Context, t *testing.T) {
	seg, err := segments.Create(ctx, e.ha, segments.CreateOpts{Name: e.prefix + "-segment", RecoveryMethod: "auto",
		ServiceType: "COMPUTE"}).Extract()
	require.NoError(t, err, "create segment")
	e.segment = seg.UUID
	for i := 1; i <= computes; i++ {
		e.addHost(ctx, t, i)
	}
	logf("registered segment %s with %d hosts and their BMCs (127.0.0.1:9101..%d)", e.segment, computes, 9100+computes)
}

// addHost adds compute-i to the main segment with its BMC as an IPMI fence device.
func (e *env) addHost(ctx context.Context, t *testing.T, i int) {
	h, err := hosts.Create(ctx, e.ha, e.segment, hosts.CreateOpts{Name: hostName(i), Type: "COMPUTE",
		ControlAttributes: "SSH"}).Extract()
	require.NoError(t, err, "create host %s", hostName(i))
	e.hostUUID[hostName(i)] = h.UUID
	_, err = fencedevices.Create(ctx, e.ha, e.segment, h.UUID, fencedevices.CreateOpts{Level: 1, Driver: "ipmi",
		Address: "127.0.0.1", Port: 9100 + i, Username: "admin", Password: readSecret(t, e.state, "ipmi"),
		Options: map[string]string{"cipher_suite": "3"}}).Extract()
	require.NoError(t, err, "create fence device for %s", hostName(i))
}

// bootServers boots n servers pinned to host; odd-numbered ones carry
// HA_Enabled=True. It returns their ids and which are HA-enabled.
func (e *env) bootServers(ctx context.Context, t *testing.T, prefix, host string, n int) (ids []string, ha map[string]bool) {
	return e.bootServersWith(ctx, t, prefix, host, n, nil)
}

// bootServersWith is bootServers with extra top-level keys in the boot
// bodies of the HA-enabled servers (say "os:scheduler_hints").
func (e *env) bootServersWith(ctx context.Context, t *testing.T, prefix, host string, n int, extra map[string]any) (ids []string, ha map[string]bool) {
	flags := make([]bool, n)
	for i := range flags {
		flags[i] = i%2 == 0
	}
	return e.bootFlags(ctx, t, prefix, host, flags, extra)
}

// bootFlags boots one server per flag on host, named prefix-1..n, with
// HA_Enabled=True where the flag is set (and extra in its boot body).
func (e *env) bootFlags(ctx context.Context, t *testing.T, prefix, host string, haFlags []bool, extra map[string]any) (ids []string, ha map[string]bool) {
	ha = map[string]bool{}
	for i := 1; i <= len(haFlags); i++ {
		isHA := haFlags[i-1]
		md := map[string]string{}
		if isHA {
			md["HA_Enabled"] = "True"
		}
		body := map[string]any{"server": map[string]any{"name": fmt.Sprintf("%s-%d", prefix, i), "flavorRef": e.flavor,
			"imageRef": e.image, "networks": "none", "availability_zone": "nova:" + host, "metadata": md}}
		for k, v := range extra {
			if isHA {
				body[k] = v
			}
		}
		var out struct {
			Server struct{ ID string } `json:"server"`
		}
		require.NoError(t, e.novaDo(ctx, "POST", "/servers", body, &out, 202))
		ids = append(ids, out.Server.ID)
		ha[out.Server.ID] = isHA
	}
	require.NoError(t, poll(ctx, 5*time.Minute, 500*time.Millisecond, "servers ACTIVE on "+host, func() (bool, error) {
		ss, err := e.servers(ctx, prefix)
		if err != nil {
			return false, err
		}
		for _, id := range ids {
			s := ss[id]
			if s.Status == "ERROR" {
				return false, fmt.Errorf("server %s went to ERROR", s.Name)
			}
			if s.Status != "ACTIVE" || s.Host != host {
				return false, nil
			}
		}
		return true, nil
	}))
	return ids, ha
}

func (e *env) deleteServers(ctx context.Context, prefix string) {
	ss, err := e.servers(ctx, prefix)
	if err != nil {
		logf("cleanup: list servers: %v", err)
		return
	}
	for id := range ss {
		if err := e.novaDo(ctx, "DELETE", "/servers/"+id, nil, nil, 204); err != nil {
			logf("cleanup: %v", err)
		}
	}
	_ = poll(ctx, 2*time.Minute, time.Second, "servers deleted", func() (bool, error) {
		ss, err := e.servers(ctx, prefix)
		return err == nil && len(ss) == 0, err
	})
}

// cloudSh runs test/e2e/cloud.sh with args and returns its trimmed output.
func (e *env) cloudSh(ctx context.Context, args ...string) (string, error) {
	out, err := exec.CommandContext(ctx, "bash", append([]string{filepath.Join(e.here, "cloud.sh")}, args...)...).CombinedOutput()
	return strings.TrimSpace(string(out)), err
}

func (e *env) powerStatus(ctx context.Context, host string) (string, error) {
	return e.cloudSh(ctx, "ipmi", host, "chassis", "power", "status")
}

// pidFromFile reads the PID of a cloud process from .state/run/NAME.pid
// after checking its recorded start time, as lib/proc.sh does.
func (e *env) pidFromFile(name string) (int, error) {
	b, err := os.ReadFile(filepath.Join(e.state, "run", name+".pid"))
	if err != nil {
		return 0, err
	}
	f := strings.Fields(string(b))
	if len(f) != 2 {
		return 0, fmt.Errorf("pid file %s: %q", name, b)
	}
	pid, err := strconv.Atoi(f[0])
	if err != nil {
		return 0, err
	}
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, fmt.Errorf("%s not running: %w", name, err)
	}
	s := string(stat)
	fields := strings.Fields(s[strings.LastIndex(s, ")")+2:])
	if len(fields) < 20 || fields[19] != f[1] {
		return 0, fmt.Errorf("%s: pid %d is another process now", name, pid)
	}
	return pid, nil
}

// restoreHost powers host on, lifts forced down, enables it in Nova, waits
// until its nova-compute is up, and takes it out of maintenance in Lazarus.
func (e *env) restoreHost(ctx context.Context, t *testing.T, host string) {
	t0 := time.Now()
	if out, err := e.cloudSh(ctx, "ipmi", host, "chassis", "power", "on"); err != nil {
		t.Errorf("power %s on: %v: %s", host, err, out)
	}
	svc, err := e.service(ctx, host)
	require.NoError(t, err)
	// Nova refuses while `done` evacuations remain on the host, until the
	// restarted nova-compute has cleaned them up: retry.
	require.NoError(t, poll(ctx, 3*time.Minute, time.Second, "lift forced down on "+host, func() (bool, error) {
		err := e.novaDo(ctx, "PUT", "/os-services/"+svc.ID, map[string]any{"forced_down": false, "status": "enabled"}, nil, 200)
		return err == nil, err
	}))
	require.NoError(t, poll(ctx, 3*time.Minute, time.Second, host+" up in Nova", func() (bool, error) {
		s, err := e.service(ctx, host)
		return err == nil && s.State == "up" && !s.ForcedDown && s.Status == "enabled", err
	}))
	if id := e.hostUUID[host]; id != "" {
		f := false
		_, err := hosts.Update(ctx, e.ha, e.segment, id, hosts.UpdateOpts{OnMaintenance: &f}).Extract()
		require.NoError(t, err, "take %s out of maintenance", host)
	}
	logf("cleanup: %s powered on, forced down lifted, up in Nova, out of maintenance (%.1f s)", host, time.Since(t0).Seconds())
}

// postHostFailure posts a host failure as Masakari's host monitor does.
func (e *env) postHostFailure(ctx context.Context, t *testing.T, host string) (*notifications.Notification, time.Time) {
	now := time.Now().UTC()
	n, err := notifications.Create(ctx, e.ha, notifications.CreateOpts{Type: "COMPUTE_HOST", Hostname: host,
		GeneratedTime: now.Format("2006-01-02T15:04:05.000000"),
		Payload:       map[string]any{"event": "STOPPED", "host_status": "NORMAL", "cluster_status": "OFFLINE"}}).Extract()
	require.NoError(t, err, "POST /v1/notifications")
	logf("posted notification %s (COMPUTE_HOST STOPPED for %s): status %s", n.NotificationUUID, host, n.Status)
	return n, time.Now()
}

func (e *env) notification(ctx context.Context, id string) (*notifications.Notification, error) {
	return notifications.Get(ctx, e.ha, id).Extract()
}

func (e *env) vmoves(ctx context.Context, id string) ([]vmoves.VMove, error) {
	pages, err := vmoves.List(e.ha, id, vmoves.ListOpts{}).AllPages(ctx)
	if err != nil {
		return nil, err
	}
	return vmoves.ExtractVMoves(pages)
}

func (e *env) waitStatus(ctx context.Context, t *testing.T, id string, limit time.Duration, want string) *notifications.Notification {
	var n *notifications.Notification
	err := poll(ctx, limit, 250*time.Millisecond, "notification "+id+" "+want, func() (bool, error) {
		var err error
		n, err = e.notification(ctx, id)
		if err != nil {
			return false, err
		}
		if n.Status == "failed" || n.Status == "error" || n.Status == "ignored" {
			return false, fmt.Errorf("notification ended %s", n.Status)
		}
		return n.Status == want, nil
	})
	if err != nil {
		dump(n)
	}
	require.NoError(t, err)
	return n
}

func dump(v any) {
	b, _ := json.MarshalIndent(v, "    ", "  ")
	fmt.Printf("    %s\n", b)
}

// lazarusCLI runs bin/lazarus with --os-cloud against the cloud's catalog.
func (e *env) lazarusCLI(ctx context.Context, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, e.binary("lazarus"), append([]string{"--os-cloud", "lazarus-e2e-lazarus", "--os-ha-api-version", "1.3"}, args...)...)
	cmd.Env = append(os.Environ(), "OS_CLIENT_CONFIG_FILE="+e.cloudsYAML)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// timeline collects a scenario's marks.
type timeline struct {
	origin time.Time
	marks  []mark
}

type mark struct {
	what string
	at   time.Time
}

func (tl *timeline) add(what string, at time.Time) {
	if !at.IsZero() {
		tl.marks = append(tl.marks, mark{what, at})
	}
}

func (tl *timeline) print(title string) {
	sort.SliceStable(tl.marks, func(i, j int) bool { return tl.marks[i].at.Before(tl.marks[j].at) })
	fmt.Printf("\n== timeline: %s ==\n", title)
	fmt.Printf("%9s  %s\n", "t+ (s)", "EVENT")
	for _, m := range tl.marks {
		fmt.Printf("%9.2f  %s\n", m.at.Sub(tl.origin).Seconds(), m.what)
	}
	fmt.Println()
}

func parseTime(s string) (time.Time, bool) {
	for _, layout := range []string{"2006-01-02T15:04:05.000000", time.RFC3339Nano, "2006-01-02 15:04:05.999999", "2006-01-02T15:04:05"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// recoveryMarks adds the API's view: each workflow step's last progress
// time, and the vmoves' first and last evacuate and last end.
func recoveryMarks(tl *timeline, n *notifications.Notification, moves []vmoves.VMove) {
	if t, ok := parseTime(n.GeneratedTime); ok {
		tl.add("notification generated_time", t)
	}
	for _, st := range n.RecoveryWorkflowDetails {
		var last time.Time
		for _, p := range st.ProgressDetails {
			if t, ok := parseTime(p.Timestamp); ok && t.After(last) {
				last = t
			}
		}
		label := "step " + st.Name + " " + strings.ToLower(st.State)
		switch st.Name {
		case "fence":
			label = "fenced (" + label + ")"
		case "force_down":
			label = "forced down (" + label + ")"
		}
		tl.add(label, last)
	}
	var first, lastStart, lastEnd time.Time
	for _, m := range moves {
		if m.StartTime != nil {
			if t, ok := parseTime(*m.StartTime); ok {
				if first.IsZero() || t.Before(first) {
					first = t
				}
				if t.After(lastStart) {
					lastStart = t
				}
			}
		}
		if m.EndTime != nil {
			if t, ok := parseTime(*m.EndTime); ok && t.After(lastEnd) {
				lastEnd = t
			}
		}
	}
	tl.add("first evacuate (vmove start)", first)
	tl.add("last evacuate (vmove start)", lastStart)
	tl.add("last vmove end", lastEnd)
}
