// Command demo is `make demo`: it runs Lazarus for real — lazarus-api,
// lazarus-engine and one lazarus-hostmonitor per host, on PostgreSQL and
// RabbitMQ — against a simulated cloud (the Nova simulator of test/novasim
// and one real ipmi_sim BMC per compute host), powers one host off through
// its BMC and shows the recovery live with the lazarus CLI. It stops
// everything it started when it ends, also on Ctrl-C.
//
// Each simulated host is the process its BMC powers: that process is the
// host's lazarus-hostmonitor. Powering the host off through IPMI kills it,
// so the other hosts' monitors see it vanish; a watcher marks its
// nova-compute service dead in the Nova simulator at the same moment, as
// the missing heartbeats would in a real Nova.
package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/gophercloud/gophercloud/v2"
	"github.com/jackc/pgx/v5"
	amqp "github.com/rabbitmq/amqp091-go"

	v1 "github.com/lazarus-ha/lazarus/openstack/instanceha/v1"
	"github.com/lazarus-ha/lazarus/openstack/instanceha/v1/notifications"
	"github.com/lazarus-ha/lazarus/openstack/instanceha/v1/vmoves"
	"github.com/lazarus-ha/lazarus/test/ipmisim"
	"github.com/lazarus-ha/lazarus/test/novasim"
)

const (
	hostCount   = 4
	failingHost = "compute-1"
)

func main() { os.Exit(run()) }

type demo struct {
	options
	bin, dir   string
	dbAdminURL string
	dbURL      string
	amqpURL    string
	sim        *novasim.Sim
	simSrv     *http.Server
	simURL     string
	bmcs       *ipmisim.Sim
	apiURL     string
	procs      []*exec.Cmd
	exited     map[*exec.Cmd]chan struct{} // closed when the process was reaped
	client     *gophercloud.ServiceClient
	servers    map[string]string // server id -> name
	ha         map[string]bool   // server id -> HA_Enabled
	origin     map[string]string // server id -> host it started on
}

// options are the demo's flags.
type options struct {
	// Database and Queue are the PostgreSQL database and RabbitMQ queue
	// the demo makes (and drops) for itself.
	Database, Queue string
	// EvacuateDelay is how long the simulated Nova takes per evacuation.
	EvacuateDelay time.Duration
	// Screenshots, when set, is where headless Chromium saves the status
	// page before, during and after the recovery.
	Screenshots string
	// KeepRunning keeps everything up this long after the recovery, so
	// the status page can be looked at (Ctrl-C ends it sooner).
	KeepRunning time.Duration
}

func run() int {
	bin := flag.String("bin", "bin", "directory holding the built Lazarus binaries")
	dir := flag.String("dir", "test/demo/.state", "working directory for configs, logs and BMC state (recreated)")
	keep := flag.Bool("keep-logs", true, "keep logs in the working directory after the demo")
	var o options
	flag.StringVar(&o.Database, "database", "lazarus_demo", "PostgreSQL database the demo creates and drops")
	flag.StringVar(&o.Queue, "queue", "lazarus.demo.notifications", "RabbitMQ queue the demo uses and deletes")
	flag.DurationVar(&o.EvacuateDelay, "evacuate-delay", 1500*time.Millisecond, "how long the simulated Nova takes per evacuation (3s at least with --screenshots)")
	flag.StringVar(&o.Screenshots, "screenshots", os.Getenv("LAZARUS_DEMO_SCREENSHOTS"), "save status page screenshots (headless Chromium) before, during and after the recovery into this directory (env LAZARUS_DEMO_SCREENSHOTS)")
	flag.DurationVar(&o.KeepRunning, "keep-running", envDuration("LAZARUS_DEMO_KEEP_RUNNING"), "keep Lazarus and the simulated cloud up this long after the recovery to look at the status page (env LAZARUS_DEMO_KEEP_RUNNING, e.g. 10m)")
	flag.Parse()

	ctx, cancel := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer cancel()
	if err := runDemo(ctx, *bin, *dir, *keep, o); err != nil {
		return fail(err)
	}
	return 0
}

func envDuration(name string) time.Duration {
	d, err := time.ParseDuration(os.Getenv(name))
	if err != nil {
		return 0
	}
	return d
}

// runDemo is the whole demo; it stops what it started before it returns.
func runDemo(ctx context.Context, bin, dir string, keep bool, o options) error {
	if o.Screenshots != "" && o.EvacuateDelay < 3*time.Second {
		// Slow enough that the page shows instances on their way.
		o.EvacuateDelay = 3 * time.Second
	}
	d := &demo{
		options:    o,
		dbAdminURL: envOr("TEST_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"),
		amqpURL:    envOr("TEST_RABBITMQ_URL", "amqp://guest:guest@127.0.0.1:5672/"),
		servers:    map[string]string{},
		ha:         map[string]bool{},
		origin:     map[string]string{},
	}
	var err error
	if d.bin, err = filepath.Abs(bin); err != nil {
		return err
	}
	if d.dir, err = filepath.Abs(dir); err != nil {
		return err
	}
	if o.Screenshots != "" {
		if d.Screenshots, err = filepath.Abs(o.Screenshots); err != nil {
			return err
		}
	}
	defer d.stop(keep)
	return d.run(ctx)
}

func (d *demo) run(ctx context.Context) error {
	started := time.Now()
	_ = os.RemoveAll(d.dir)
	for _, sub := range []string{"logs", "etc", "bmc", "spool"} {
		if err := os.MkdirAll(filepath.Join(d.dir, sub), 0o755); err != nil {
			return err
		}
	}
	step("Preparing PostgreSQL database %s and RabbitMQ queue %s", d.Database, d.Queue)
	if err := d.prepareDatabase(ctx); err != nil {
		return err
	}
	if err := purgeQueue(d.amqpURL, d.Queue); err != nil {
		return err
	}

	step("Starting the simulated cloud: Nova API + Keystone simulator with %d compute hosts", hostCount)
	if err := d.startCloud(); err != nil {
		return err
	}

	if err := d.writeConfigs(); err != nil {
		return err
	}
	step("Starting %d ipmi_sim BMCs; each powers a host whose process is its lazarus-hostmonitor", hostCount)
	bmcs, err := ipmisim.Launch(filepath.Join(d.dir, "bmc"), ipmisim.Options{Count: hostCount, HostCommand: d.hostCommand()})
	if err != nil {
		return fmt.Errorf("start BMCs: %w", err)
	}
	d.bmcs = bmcs
	go d.watchHosts(ctx)

	step("Migrating the schema and starting lazarus-api and lazarus-engine")
	conf := filepath.Join(d.dir, "etc", "lazarus.conf")
	if out, err := exec.CommandContext(ctx, d.binary("lazarus-manage"), "--config", conf, "db", "sync").CombinedOutput(); err != nil {
		return fmt.Errorf("db sync: %v\n%s", err, out)
	}
	if err := d.startProcess(ctx, "lazarus-api", "--config", conf); err != nil {
		return err
	}
	if err := waitHTTP(ctx, d.apiURL+"/", 20*time.Second); err != nil {
		return fmt.Errorf("lazarus-api did not answer: %w (see %s)", err, filepath.Join(d.dir, "logs", "lazarus-api.log"))
	}
	if err := d.startProcess(ctx, "lazarus-engine", "--config", conf); err != nil {
		return err
	}

	step("Registering the segment, its hosts and their BMCs (fence devices) with the lazarus CLI")
	if err := d.register(ctx); err != nil {
		return err
	}

	statusURL := d.apiURL + "/status"
	fmt.Printf("    status page: %s\n", statusURL)
	var shots *shooter
	if d.Screenshots != "" {
		step("Opening the status page in headless Chromium; screenshots go to %s", d.Screenshots)
		if shots, err = startShooter(ctx, d.Screenshots, statusURL); err != nil {
			return err
		}
		defer shots.close()
	}

	step("Waiting for the host monitors to see each other")
	if err := sleepCtx(ctx, 4*time.Second); err != nil {
		return err
	}
	d.showServers("Instances before the failure", "")
	if shots != nil {
		if err := shots.shot("status-demo-before.png"); err != nil {
			return err
		}
	}

	step("Powering %s off through its BMC (lazarus-manage fence off, verified)", failingHost)
	poweredOff := time.Now()
	if err := d.powerOff(ctx, failingHost); err != nil {
		return err
	}

	step("Waiting for the host monitors to report %s and Lazarus to take the notification", failingHost)
	notif, err := d.waitNotification(ctx, 60*time.Second)
	if err != nil {
		return err
	}
	// While the CLI follows the recovery, the browser waits for the page to
	// show instances on their way and takes the mid-recovery screenshot.
	midShot := make(chan error, 1)
	if shots != nil {
		go func() {
			err := shots.waitFor(ctx, "a recovery with instances on their way", pageShowsMoving, 60*time.Second)
			if err == nil {
				err = shots.shot("status-demo-recovery.png")
			}
			midShot <- err
		}()
	}
	step("Following recovery %s live: lazarus notification show %s --wait", notif.NotificationUUID, notif.NotificationUUID)
	cmd := exec.CommandContext(ctx, d.binary("lazarus"), append(d.cliArgs(), "notification", "show", notif.NotificationUUID, "--wait",
		"-c", "notification_uuid", "-c", "type", "-c", "status", "-c", "generated_time", "-c", "payload")...)
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	waitErr := cmd.Run()
	if waitErr != nil {
		fmt.Printf("(lazarus notification show --wait ended with %v)\n", waitErr)
	}

	d.showServers("Instances after the recovery", failingHost)
	if err := d.summary(ctx, notif.NotificationUUID, poweredOff); err != nil {
		return err
	}
	if shots != nil {
		if err := <-midShot; err != nil {
			return err
		}
		if err := shots.waitFor(ctx, "the finished recovery", pageShowsFinished, 30*time.Second); err != nil {
			return err
		}
		if err := shots.shot("status-demo-finished.png"); err != nil {
			return err
		}
	}
	if d.KeepRunning > 0 && waitErr == nil {
		step("Keeping Lazarus and the simulated cloud up for %s: open %s (Ctrl-C stops)", d.KeepRunning, statusURL)
		_ = sleepCtx(ctx, d.KeepRunning)
	}
	fmt.Printf("\nDemo finished in %s. Logs: %s\n", time.Since(started).Round(time.Second), filepath.Join(d.dir, "logs"))
	return waitErr
}

func (d *demo) binary(name string) string { return filepath.Join(d.bin, name) }

func (d *demo) cliArgs() []string {
	return []string{"--os-auth-type", "none", "--os-endpoint", d.apiURL + "/v1", "--os-ha-api-version", "1.3"}
}

func (d *demo) prepareDatabase(ctx context.Context) error {
	conn, err := pgx.Connect(ctx, d.dbAdminURL)
	if err != nil {
		return fmt.Errorf("connect to PostgreSQL (%s): %w — run `make services` first", d.dbAdminURL, err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+d.Database+" WITH (FORCE)"); err != nil {
		return err
	}
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+d.Database); err != nil {
		return err
	}
	cfg := conn.Config()
	d.dbURL = fmt.Sprintf("postgres://%s@%s:%d/%s?sslmode=disable", cfg.User, cfg.Host, cfg.Port, d.Database)
	return nil
}

func (d *demo) dropDatabase() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, d.dbAdminURL)
	if err != nil {
		return
	}
	defer conn.Close(ctx)
	_, _ = conn.Exec(ctx, "DROP DATABASE IF EXISTS "+d.Database+" WITH (FORCE)")
}

func purgeQueue(url, queueName string) error {
	conn, err := amqp.Dial(url)
	if err != nil {
		return fmt.Errorf("connect to RabbitMQ: %w — run `make services` first", err)
	}
	defer conn.Close()
	ch, err := conn.Channel()
	if err != nil {
		return err
	}
	defer ch.Close()
	_, _ = ch.QueueDelete(queueName, false, false, false)
	if ch2, err := conn.Channel(); err == nil {
		_, _ = ch2.QueueDelete(queueName+".dead", false, false, false)
		ch2.Close()
	}
	return nil
}

func (d *demo) startCloud() error {
	d.sim = novasim.New(novasim.Options{EvacuateDelay: d.EvacuateDelay, ServiceDownTime: 10 * time.Second})
	for i := 1; i <= hostCount; i++ {
		if err := d.sim.AddHost(novasim.HostSpec{Name: hostName(i), VCPUs: 32, MemoryMB: 65536, DiskGB: 1000}); err != nil {
			return err
		}
	}
	add := func(host, name string, ha bool) error {
		md := map[string]string{}
		if ha {
			md["HA_Enabled"] = "True"
		}
		id, err := d.sim.AddServer(novasim.ServerSpec{Name: name, Host: host, Metadata: md,
			Flavor: novasim.Flavor{VCPUs: 2, RAMMB: 4096, DiskGB: 20}})
		d.servers[id], d.ha[id], d.origin[id] = name, ha, host
		return err
	}
	for i, name := range []string{"web-1", "web-2", "db-primary", "cache-1", "batch-1", "scratch-1"} {
		if err := add(failingHost, name, i < 4); err != nil {
			return err
		}
	}
	for i := 2; i <= hostCount; i++ {
		if err := add(hostName(i), fmt.Sprintf("app-%d", i), true); err != nil {
			return err
		}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	d.simURL = "http://" + ln.Addr().String()
	d.simSrv = &http.Server{Handler: d.sim, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = d.simSrv.Serve(ln) }()
	fmt.Printf("    Nova/Keystone simulator at %s; %s runs 6 instances, 4 of them with HA_Enabled=True\n", d.simURL, failingHost)
	return nil
}

func hostName(i int) string { return fmt.Sprintf("compute-%d", i) }

func freePort(network string) int {
	if network == "udp" {
		c, err := net.ListenPacket("udp", "127.0.0.1:0")
		if err != nil {
			panic(err)
		}
		defer c.Close()
		return c.LocalAddr().(*net.UDPAddr).Port
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func (d *demo) writeConfigs() error {
	apiPort := freePort("tcp")
	d.apiURL = fmt.Sprintf("http://127.0.0.1:%d", apiPort)
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	keyFile := filepath.Join(d.dir, "etc", "fence.key")
	if err := os.WriteFile(keyFile, []byte(base64.StdEncoding.EncodeToString(key)), 0o600); err != nil {
		return err
	}
	common := fmt.Sprintf(`[DEFAULT]
auth_strategy = noauth2
transport_url = %s
notification_queue = %s
log_format = text

[database]
connection = %s
`, d.amqpURL, d.Queue, d.dbURL)
	main := common + fmt.Sprintf(`
[api]
listen = 127.0.0.1:%d
metrics_listen = 127.0.0.1:0

[nova]
auth_url = %s/v3
username = %s
password = %s
project_name = %s

[fencing]
secret_key_file = %s
require_fencing = true
# Often, so the status page shows the BMCs checked within the demo.
readiness_interval = 5s

[engine]
metrics_listen = 127.0.0.1:%d

[host_failure]
evacuate_all_instances = false
`, apiPort, d.simURL, novasim.DefaultUsername, novasim.DefaultPassword, novasim.DefaultProjectName, keyFile, freePort("tcp"))
	if err := os.WriteFile(filepath.Join(d.dir, "etc", "lazarus.conf"), []byte(main), 0o600); err != nil {
		return err
	}
	ports := make([]int, hostCount)
	for i := range ports {
		ports[i] = freePort("tcp")
	}
	for i := 1; i <= hostCount; i++ {
		var peers []string
		for j := 1; j <= hostCount; j++ {
			if j != i {
				peers = append(peers, fmt.Sprintf("mgmt=127.0.0.1:%d", ports[j-1]))
			}
		}
		conf := fmt.Sprintf(`[DEFAULT]
host = %s
transport_url = %s
notification_queue = %s
log_format = text

[monitors]
spool_dir = %s

[hostmonitor]
networks = mgmt=127.0.0.1:%d
peers = %s
`, hostName(i), d.amqpURL, d.Queue, filepath.Join(d.dir, "spool", hostName(i)), ports[i-1], strings.Join(peers, ","))
		if err := os.WriteFile(filepath.Join(d.dir, "etc", "hostmonitor-"+hostName(i)+".conf"), []byte(conf), 0o600); err != nil {
			return err
		}
	}
	return nil
}

// hostCommand is what each BMC powers: the host's monitor. ipmisim runs it
// in the BMC's directory, whose name ends in the BMC's number.
func (d *demo) hostCommand() string {
	return fmt.Sprintf(`n=$(basename "$PWD" | tr -dc 0-9); exec %s --config %s/etc/hostmonitor-compute-$n.conf >>%s/logs/hostmonitor-compute-$n.log 2>&1`,
		d.binary("lazarus-hostmonitor"), d.dir, d.dir)
}

// watchHosts mirrors each host's power into Nova: when the host process
// dies, its nova-compute stops reporting; when it runs again, it reports.
func (d *demo) watchHosts(ctx context.Context) {
	alive := make([]bool, hostCount)
	for i := range alive {
		alive[i] = true
	}
	t := time.NewTicker(200 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		for i, b := range d.bmcs.BMCs {
			now := b.HostAlive()
			if now == alive[i] {
				continue
			}
			alive[i] = now
			if now {
				_ = d.sim.ReviveHost(hostName(i + 1))
			} else {
				_ = d.sim.KillHost(hostName(i + 1))
			}
		}
	}
}

func (d *demo) startProcess(ctx context.Context, name string, args ...string) error {
	logf, err := os.Create(filepath.Join(d.dir, "logs", name+".log"))
	if err != nil {
		return err
	}
	cmd := exec.Command(d.binary(name), args...)
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start %s: %w", name, err)
	}
	d.procs = append(d.procs, cmd)
	if d.exited == nil {
		d.exited = map[*exec.Cmd]chan struct{}{}
	}
	done := make(chan struct{})
	d.exited[cmd] = done
	go func() { _ = cmd.Wait(); logf.Close(); close(done) }()
	return nil
}

func (d *demo) cli(ctx context.Context, args ...string) (string, error) {
	full := append(d.cliArgs(), args...)
	fmt.Printf("    $ lazarus %s\n", strings.Join(args, " "))
	out, err := exec.CommandContext(ctx, d.binary("lazarus"), full...).CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("lazarus %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out), nil
}

func (d *demo) register(ctx context.Context) error {
	out, err := d.cli(ctx, "segment", "create", "demo-segment", "auto", "COMPUTE", "-f", "value", "-c", "uuid")
	if err != nil {
		return err
	}
	seg := strings.TrimSpace(out)
	client, err := v1.NewNoAuthClient(d.apiURL+"/v1", nil)
	if err != nil {
		return err
	}
	d.client = client // read-only use: waiting for the notification and the summary
	for i := 1; i <= hostCount; i++ {
		if _, err := d.cli(ctx, "segment", "host", "create", hostName(i), "COMPUTE", "SSH", seg, "-f", "value", "-c", "uuid"); err != nil {
			return err
		}
		b := d.bmcs.BMCs[i-1]
		pw := filepath.Join(d.dir, "etc", hostName(i)+".bmc-password")
		if err := os.WriteFile(pw, []byte(b.Password), 0o600); err != nil {
			return err
		}
		if _, err := d.cli(ctx, "fence-device", "create", seg, hostName(i), "--level", "1", "--driver", "ipmi",
			"--address", b.Address, "--port", fmt.Sprint(b.Port), "--username", b.Username, "--password-file", pw,
			"--option", fmt.Sprintf("cipher_suite=%d", b.CipherSuite), "-f", "value", "-c", "id"); err != nil {
			return err
		}
	}
	out, err = d.cli(ctx, "segment", "host", "list", seg, "-c", "name", "-c", "reserved", "-c", "on_maintenance")
	if err != nil {
		return err
	}
	fmt.Print(indent(out))
	return nil
}

func (d *demo) powerOff(ctx context.Context, host string) error {
	i := slices.Index(hostNames(), host)
	b := d.bmcs.BMCs[i]
	pw := filepath.Join(d.dir, "etc", host+".bmc-password")
	args := []string{"fence", "off", "--driver", "ipmi", "--address", b.Address, "--port", fmt.Sprint(b.Port),
		"--username", b.Username, "--password-file", pw, "--cipher-suite", fmt.Sprint(b.CipherSuite)}
	fmt.Printf("    $ lazarus-manage %s\n", strings.Join(args, " "))
	cmd := exec.CommandContext(ctx, d.binary("lazarus-manage"), args...)
	cmd.Stdout, cmd.Stderr = newIndentWriter(os.Stdout), newIndentWriter(os.Stderr)
	return cmd.Run()
}

func hostNames() []string {
	var n []string
	for i := 1; i <= hostCount; i++ {
		n = append(n, hostName(i))
	}
	return n
}

func (d *demo) waitNotification(ctx context.Context, limit time.Duration) (*notifications.Notification, error) {
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		pages, err := notifications.List(d.client, notifications.ListOpts{Type: "COMPUTE_HOST"}).AllPages(ctx)
		if err == nil {
			all, err := notifications.ExtractNotifications(pages)
			if err == nil {
				for _, n := range all {
					if n.Payload["event"] == "STOPPED" {
						fmt.Printf("    notification %s from the host monitors: %v\n", n.NotificationUUID, n.Payload)
						return &n, nil
					}
				}
			}
		}
		if err := sleepCtx(ctx, 250*time.Millisecond); err != nil {
			return nil, err
		}
	}
	return nil, fmt.Errorf("no host-failure notification within %s (see %s)", limit, filepath.Join(d.dir, "logs"))
}

func (d *demo) showServers(title, from string) {
	fmt.Printf("\n    %s:\n", title)
	tw := tabwriter.NewWriter(newIndentWriter(os.Stdout), 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "INSTANCE\tHA_Enabled\tHOST\tSTATE")
	ids := make([]string, 0, len(d.servers))
	for id := range d.servers {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return d.servers[ids[i]] < d.servers[ids[j]] })
	for _, id := range ids {
		s, ok := d.sim.Server(id)
		if !ok {
			continue
		}
		host := s.Host
		switch {
		case from == "" || d.origin[id] != from:
		case s.Host != from:
			host += " (moved from " + from + ")"
		case !d.ha[id]:
			host += " (not HA-enabled: left on the dead host)"
		default:
			host += " (NOT RECOVERED)"
		}
		fmt.Fprintf(tw, "%s\t%v\t%s\t%s\n", d.servers[id], d.ha[id], host, s.VMState)
	}
	tw.Flush()
}

func (d *demo) summary(ctx context.Context, id string, poweredOff time.Time) error {
	d.client.Microversion = "1.3"
	n, err := notifications.Get(ctx, d.client, id).Extract()
	if err != nil {
		return fmt.Errorf("read the notification: %w", err)
	}
	pages, err := vmoves.List(d.client, id, vmoves.ListOpts{}).AllPages(ctx)
	if err != nil {
		return fmt.Errorf("read the vmoves: %w", err)
	}
	moves, err := vmoves.ExtractVMoves(pages)
	if err != nil {
		return err
	}
	type mark struct {
		what string
		at   time.Time
	}
	marks := []mark{{"host powered off (BMC)", poweredOff}}
	if t, ok := parseTime(n.GeneratedTime); ok {
		marks = append(marks, mark{"failure reported by the host monitors", t})
	}
	for _, step := range n.RecoveryWorkflowDetails {
		var last time.Time
		for _, p := range step.ProgressDetails {
			if t, ok := parseTime(p.Timestamp); ok && t.After(last) {
				last = t
			}
		}
		if !last.IsZero() {
			marks = append(marks, mark{"step " + step.Name + " " + strings.ToLower(step.State), last})
		}
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
	if !first.IsZero() {
		marks = append(marks, mark{"first evacuate call", first}, mark{"last evacuate call", lastStart})
	}
	if !lastEnd.IsZero() {
		marks = append(marks, mark{"all instances ACTIVE elsewhere", lastEnd})
	}
	sort.SliceStable(marks, func(i, j int) bool { return marks[i].at.Before(marks[j].at) })
	fmt.Printf("\n    Recovery %s ended %s. Timeline (from the API: notification, recovery steps, vmoves):\n", id, n.Status)
	fmt.Printf("    %8s  %s\n", "t+ (s)", "EVENT")
	for _, m := range marks {
		fmt.Printf("    %8.2f  %s\n", m.at.Sub(poweredOff).Seconds(), m.what)
	}
	fmt.Printf("\n    Instance moves:\n")
	tw := tabwriter.NewWriter(newIndentWriter(os.Stdout), 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "INSTANCE\tFROM\tTO\tSTATUS")
	for _, m := range moves {
		dest := "-"
		if m.DestHost != nil {
			dest = *m.DestHost
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", m.InstanceName, m.SourceHost, dest, m.Status)
	}
	tw.Flush()
	if n.Status != "finished" {
		return fmt.Errorf("the recovery ended %s, not finished", n.Status)
	}
	return nil
}

func parseTime(s string) (time.Time, bool) {
	for _, layout := range []string{"2006-01-02T15:04:05.000000", time.RFC3339Nano, "2006-01-02 15:04:05.999999", "2006-01-02T15:04:05"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

func (d *demo) stop(keepLogs bool) {
	step("Stopping everything the demo started")
	for i := len(d.procs) - 1; i >= 0; i-- {
		p := d.procs[i]
		if p.Process != nil {
			_ = syscall.Kill(-p.Process.Pid, syscall.SIGTERM)
		}
	}
	// Wait (through the reaping goroutine, never by reading ProcessState
	// while it is written) up to 5 s in all, then SIGKILL what is left.
	grace := time.After(5 * time.Second)
	for _, p := range d.procs {
		select {
		case <-d.exited[p]:
			continue
		case <-grace:
			grace = closedTime
		}
		if p.Process != nil {
			_ = syscall.Kill(-p.Process.Pid, syscall.SIGKILL)
		}
	}
	if d.bmcs != nil {
		d.bmcs.Close()
	}
	if d.simSrv != nil {
		_ = d.simSrv.Close()
	}
	if d.sim != nil {
		d.sim.Close()
	}
	d.dropDatabase()
	_ = purgeQueue(d.amqpURL, d.Queue)
	if !keepLogs {
		_ = os.RemoveAll(d.dir)
	}
}

func waitHTTP(ctx context.Context, url string, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	var last error
	for time.Now().Before(deadline) {
		resp, err := http.Get(url)
		if err == nil {
			resp.Body.Close()
			return nil
		}
		last = err
		if err := sleepCtx(ctx, 100*time.Millisecond); err != nil {
			return err
		}
	}
	return last
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

func step(format string, args ...any) {
	fmt.Printf("\n==> "+format+"\n", args...)
}

func indent(s string) string {
	var b bytes.Buffer
	for _, l := range strings.SplitAfter(s, "\n") {
		if l != "" {
			b.WriteString("    " + l)
		}
	}
	return b.String()
}

// indentWriter indents every line written through it by four spaces, also
// when a writer (tabwriter, a child process) emits a line in pieces.
type indentWriter struct {
	w       io.Writer
	midLine bool
}

func newIndentWriter(w io.Writer) *indentWriter { return &indentWriter{w: w} }

func (i *indentWriter) Write(p []byte) (int, error) {
	var b bytes.Buffer
	for _, c := range p {
		if !i.midLine {
			b.WriteString("    ")
		}
		b.WriteByte(c)
		i.midLine = c != '\n'
	}
	if _, err := i.w.Write(b.Bytes()); err != nil {
		return 0, err
	}
	return len(p), nil
}

func envOr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}

func fail(err error) int {
	if errors.Is(err, context.Canceled) {
		fmt.Fprintln(os.Stderr, "demo: interrupted")
		return 130
	}
	fmt.Fprintf(os.Stderr, "demo: %v\n", err)
	return 1
}

// closedTime is a channel that is always ready: once the grace period is
// over, stop no longer waits for the remaining processes.
var closedTime = func() <-chan time.Time {
	c := make(chan time.Time)
	close(c)
	return c
}()
