//go:build e2e && chaos

package e2e

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"io"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"text/tabwriter"
	"time"

	"github.com/gophercloud/gophercloud/v2"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/lazarus-ha/lazarus/monitors/wire/wiretest"
	"github.com/lazarus-ha/lazarus/openstack/instanceha/v1/fencedevices"
	"github.com/lazarus-ha/lazarus/store/storetest"
)

// make chaos: the failure matrix of issue #11 on the real cloud, with
// Lazarus's own monitors on every compute host as the only source of
// notifications, and two engine replicas.

const (
	lazarusBrokerPort = 15774 // cloud.sh's second RabbitMQ node
	memberlistPort    = 7946
)

// Marks of a run, measured from its origin (the power cut, or the fault).
const (
	mDetected  = "detected"    // the monitors' event time (generated_time)
	mReceived  = "received"    // first monitor report committed by an engine
	mFenced    = "fenced"      // fence step SUCCESS (journal)
	mForced    = "forced down" // force_down step SUCCESS (journal)
	mFirstEvac = "first evacuate"
	mActive    = "all HA ACTIVE elsewhere"
)

// chaosRun is one row of the matrix.
type chaosRun struct {
	scenario   string
	n          int
	origin     time.Time
	marks      map[string]time.Time
	violations []string // safety: what must never happen
	failures   []string // the expected outcome was not reached
	notes      []string
	wall       time.Duration
}

func (r *chaosRun) mark(what string, at time.Time) {
	if !at.IsZero() {
		if _, ok := r.marks[what]; !ok {
			r.marks[what] = at
		}
	}
}

func (r *chaosRun) violate(format string, args ...any) {
	v := fmt.Sprintf(format, args...)
	r.violations = append(r.violations, v)
	logf("VIOLATION (%s #%d): %s", r.scenario, r.n, v)
}

func (r *chaosRun) fail(format string, args ...any) {
	f := fmt.Sprintf(format, args...)
	r.failures = append(r.failures, f)
	logf("FAILED (%s #%d): %s", r.scenario, r.n, f)
}

func (r *chaosRun) note(format string, args ...any) {
	r.notes = append(r.notes, fmt.Sprintf(format, args...))
}

func (r *chaosRun) at(what string) string {
	t, ok := r.marks[what]
	if !ok {
		return "-"
	}
	return fmt.Sprintf("%.1f", t.Sub(r.origin).Seconds())
}

// chaos is the matrix's environment: the e2e env plus a private
// PostgreSQL, a cuttable path from the engines to the monitors' broker and
// the monitors on the hosts.
type chaos struct {
	*env
	pg    *storetest.PrivateServer
	db    *pgxpool.Pool
	proxy *wiretest.Proxy
}

func TestChaos(t *testing.T) {
	ctx := context.Background()
	t0 := time.Now()
	c := setupChaos(ctx, t)
	logf("chaos setup: %.1f s", time.Since(t0).Seconds())

	plan := chaosPlan(t)
	var rows []*chaosRun
	for _, p := range plan {
		for i := 1; i <= p.runs; i++ {
			r := &chaosRun{scenario: p.name, n: i, marks: map[string]time.Time{}}
			start := time.Now()
			logf("==== chaos %s run %d/%d (load %s) ====", p.name, i, p.runs, loadavg())
			p.f(c, ctx, t, r)
			r.wall = time.Since(start)
			rows = append(rows, r)
			printRow(r)
			if t.Failed() {
				t.Fatalf("the environment broke during %s run %d; see the log above", p.name, i)
			}
		}
	}
	summary := chaosSummary(rows, time.Since(t0))
	fmt.Print(summary)
	_ = os.WriteFile(filepath.Join(c.state, "logs", "chaos-summary.txt"), []byte(summary), 0o644)
	for _, r := range rows {
		if len(r.violations) > 0 || len(r.failures) > 0 {
			t.Errorf("%s run %d: violations %q, failures %q", r.scenario, r.n, r.violations, r.failures)
		}
	}
}

type scenario struct {
	name string
	runs int
	f    func(c *chaos, ctx context.Context, t *testing.T, r *chaosRun)
}

// chaosPlan is the matrix in the order it runs; LAZARUS_CHAOS_RUNS
// (name=count,...) changes counts, LAZARUS_CHAOS_ONLY (name,...) picks rows.
// The storm runs last: its two failed hosts count against the storm brake's
// failure_window for ten minutes, which would hold the rows after it.
func chaosPlan(t *testing.T) []scenario {
	plan := []scenario{
		{"power_cut", 10, (*chaos).powerCut},
		{"one_link_cut", 5, (*chaos).oneLinkCut},
		{"isolated_host", 5, (*chaos).isolatedHost},
		{"bmc_unreachable", 3, (*chaos).bmcUnreachable},
		{"engines_cut_from_broker", 3, (*chaos).enginesCut},
		{"nova_compute_killed", 3, (*chaos).novaComputeKilled},
		{"engine_sigkill", 20, (*chaos).engineSigkill},
		{"rabbitmq_restart", 3, (*chaos).rabbitRestart},
		{"postgres_restart", 3, (*chaos).postgresRestart},
		{"two_of_three_lost", 3, (*chaos).stormTwoOfThree},
	}
	counts := map[string]int{}
	for _, kv := range strings.Split(os.Getenv("LAZARUS_CHAOS_RUNS"), ",") {
		if k, v, ok := strings.Cut(strings.TrimSpace(kv), "="); ok {
			n, err := strconv.Atoi(v)
			require.NoError(t, err, "LAZARUS_CHAOS_RUNS %q", kv)
			counts[k] = n
		}
	}
	only := map[string]bool{}
	for _, k := range strings.Split(os.Getenv("LAZARUS_CHAOS_ONLY"), ",") {
		if k = strings.TrimSpace(k); k != "" {
			only[k] = true
		}
	}
	var out []scenario
	for _, s := range plan {
		if len(only) > 0 && !only[s.name] {
			continue
		}
		if n, ok := counts[s.name]; ok {
			s.runs = n
		}
		out = append(out, s)
	}
	return out
}

func printRow(r *chaosRun) {
	res := "PASS"
	if len(r.failures) > 0 {
		res = "FAIL"
	}
	fmt.Printf("CHAOS ROW %-24s #%-2d %s violations=%d detected=%s received=%s fenced=%s forced=%s first_evac=%s all_active=%s wall=%.1fs %s\n",
		r.scenario, r.n, res, len(r.violations), r.at(mDetected), r.at(mReceived), r.at(mFenced), r.at(mForced),
		r.at(mFirstEvac), r.at(mActive), r.wall.Seconds(), strings.Join(r.notes, "; "))
}

// chaosSummary is one line per scenario: runs, passes, violations, and the
// timings' median and maximum over the runs that have them.
func chaosSummary(rows []*chaosRun, total time.Duration) string {
	var b strings.Builder
	fmt.Fprintf(&b, "\n== chaos summary (%d runs, %.1f min, load average %s) ==\n", len(rows), total.Minutes(), loadavg())
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "SCENARIO\tRUNS\tPASS\tVIOLATIONS\tDETECTED p50/max\tFENCED p50/max\tFORCED DOWN p50/max\tFIRST EVAC p50/max\tALL ACTIVE p50/max")
	var names []string
	by := map[string][]*chaosRun{}
	for _, r := range rows {
		if _, ok := by[r.scenario]; !ok {
			names = append(names, r.scenario)
		}
		by[r.scenario] = append(by[r.scenario], r)
	}
	for _, n := range names {
		rs := by[n]
		pass, viol := 0, 0
		for _, r := range rs {
			if len(r.failures) == 0 {
				pass++
			}
			viol += len(r.violations)
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d", n, len(rs), pass, viol)
		for _, m := range []string{mDetected, mFenced, mForced, mFirstEvac, mActive} {
			fmt.Fprintf(tw, "\t%s", p50max(rs, m))
		}
		fmt.Fprintln(tw)
	}
	tw.Flush()
	b.WriteString("(seconds from the fault: the power cut, or the fault the scenario injects; - where the step does not happen)\n")
	return b.String()
}

func p50max(rs []*chaosRun, m string) string {
	var d []float64
	for _, r := range rs {
		if t, ok := r.marks[m]; ok {
			d = append(d, t.Sub(r.origin).Seconds())
		}
	}
	if len(d) == 0 {
		return "-"
	}
	sort.Float64s(d)
	return fmt.Sprintf("%.1f / %.1f", d[(len(d)-1)/2], d[len(d)-1])
}

// ---------------------------------------------------------------- setup

func setupChaos(ctx context.Context, t *testing.T) *chaos {
	// The private database first: lazarus-api and the engines start on it.
	pg := storetest.StartPrivateServer(t)
	admin, err := pgx.Connect(ctx, pg.URL)
	require.NoError(t, err)
	_, err = admin.Exec(ctx, "CREATE DATABASE lazarus")
	require.NoError(t, err)
	admin.Close(ctx)
	dbURL := strings.Replace(pg.URL, "/postgres?", "/lazarus?", 1)

	proxy := wiretest.NewProxy(t, fmt.Sprintf("127.0.0.1:%d", lazarusBrokerPort))
	queue := "lazarus.chaos." + randHex(3)
	e := setupWith(ctx, t, setupOpts{db: dbURL, amqp: "amqp://guest:guest@" + proxy.Addr() + "/", queue: queue,
		engines: []string{"lazarus-engine-a", "lazarus-engine-b"}})
	pool, err := pgxpool.New(ctx, dbURL)
	require.NoError(t, err)
	t.Cleanup(pool.Close)
	c := &chaos{env: e, pg: pg, db: pool, proxy: proxy}
	c.installMonitors(ctx, t, queue)
	return c
}

// installMonitors writes each host's monitor configuration and boot script
// (what systemd would start after nova-compute), then reboots the hosts so
// the monitors run inside their namespaces, and waits until the engines
// hear every host monitor's heartbeat.
func (c *chaos) installMonitors(ctx context.Context, t *testing.T, queue string) {
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	gossip := base64.StdEncoding.EncodeToString(key)
	for i := 1; i <= computes; i++ {
		h := hostName(i)
		dir := filepath.Join(c.state, "hosts", h)
		require.NoError(t, os.MkdirAll(filepath.Join(dir, "spool"), 0o755))
		var nets, peers []string
		nets = append(nets, fmt.Sprintf("mgmt=%s:%d", mgmtIP(i), memberlistPort), fmt.Sprintf("storage=%s:%d", storIP(i), memberlistPort))
		for j := 1; j <= computes; j++ {
			if j != i {
				peers = append(peers, fmt.Sprintf("mgmt=%s:%d", mgmtIP(j), memberlistPort), fmt.Sprintf("storage=%s:%d", storIP(j), memberlistPort))
			}
		}
		conf := fmt.Sprintf(`# lazarus.conf of %[1]s's monitors (make chaos), as an operator writes it.
[DEFAULT]
host = %[1]s
transport_url = rabbit://guest:guest@127.0.0.1:%[2]d/
notification_queue = %[3]s
log_format = text

[monitors]
transport = amqp
spool_dir = %[4]s/spool

[hostmonitor]
networks = %[5]s
peers = %[6]s
# The gateways of both networks: TCP to the broker's relay on mgmt, and a
# closed port on storage (a refused connection is an answer too).
isolation_addresses = 10.250.0.1:%[2]d,10.251.0.1:9
# Below the time this cloud takes to fence an isolated host (Nova's
# service_down_time = 30 s here), so that the action runs before the fence.
isolation_timeout = 2s
isolation_action = %[4]s/isolation-action
gossip_key = %[7]s

[processmonitor]
process_list_path = %[4]s/process_list.yaml
`, h, lazarusBrokerPort, queue, dir, strings.Join(nets, ","), strings.Join(peers, ","), gossip)
		require.NoError(t, os.WriteFile(filepath.Join(dir, "lazarus.conf"), []byte(conf), 0o600))
		require.NoError(t, os.WriteFile(filepath.Join(dir, "isolation-action"), []byte(fmt.Sprintf(`#!/bin/sh
# isolation_action: a real one stops the host's instances (virsh destroy);
# the fake driver has none, so this records that it ran.
date -u +%%FT%%T.%%3NZ >>%s/isolation-action.ran
echo "isolation action ran on %s"
`, dir, h)), 0o755))
		require.NoError(t, os.WriteFile(filepath.Join(dir, "start-nova-compute"), []byte(`#!/bin/sh
# make chaos's nova-compute does not come back once killed (a broken
# host), so lazarus-processmonitor's restarts fail and it reports it.
echo "nova-compute does not start on this host" >&2
exit 1
`), 0o755))
		plist := fmt.Sprintf(`-
    # nova-compute (the host's own path: every host's processes share one /proc here)
    process_name: %[1]s/bin/nova-compute
    start_command: %[1]s/start-nova-compute
    pre_start_command:
    post_start_command:
    restart_command: %[1]s/start-nova-compute
    pre_restart_command:
    post_restart_command:
    run_as_root: False
`, dir)
		require.NoError(t, os.WriteFile(filepath.Join(dir, "process_list.yaml"), []byte(plist), 0o644))
		boot := fmt.Sprintf(`#!/bin/sh
# Started by the host's power on (lib/chassisctl.sh), inside its namespace.
%[1]s --config %[2]s/lazarus.conf >>%[3]s/%[4]s.hostmonitor.log 2>&1 &
%[5]s --config %[2]s/lazarus.conf >>%[3]s/%[4]s.processmonitor.log 2>&1 &
wait
`, c.binary("lazarus-hostmonitor"), dir, filepath.Join(c.state, "logs"), h, c.binary("lazarus-processmonitor"))
		require.NoError(t, os.WriteFile(filepath.Join(dir, "boot"), []byte(boot), 0o755))
	}
	t.Cleanup(func() {
		for i := 1; i <= computes; i++ {
			_ = os.Remove(filepath.Join(c.state, "hosts", hostName(i), "boot"))
			killMonitors(hostName(i))
		}
	})
	// Reboot every host so that its monitors start with it.
	for i := 1; i <= computes; i++ {
		h := hostName(i)
		out, err := c.cloudSh(ctx, "power", h, "off")
		require.NoError(t, err, out)
		out, err = c.cloudSh(ctx, "power", h, "on")
		require.NoError(t, err, out)
	}
	for i := 1; i <= computes; i++ {
		c.waitHostUp(ctx, t, hostName(i))
	}
	require.NoError(t, poll(ctx, 2*time.Minute, time.Second, "heartbeats of every host monitor", func() (bool, error) {
		var n int
		err := c.db.QueryRow(ctx, `SELECT count(*) FROM monitor_heartbeats WHERE last_seen > now() - interval '20 seconds'`).Scan(&n)
		return n >= computes, err
	}))
	logf("monitors run on every host; the engines hear all %d host monitors", computes)
}

func mgmtIP(i int) string { return fmt.Sprintf("10.250.0.%d", 10+i) }
func storIP(i int) string { return fmt.Sprintf("10.251.0.%d", 10+i) }

// killMonitors SIGKILLs the Lazarus monitors in host's namespace.
func killMonitors(host string) {
	out, _ := exec.Command("ip", "netns", "pids", "lze2e-"+host).Output()
	for _, f := range strings.Fields(string(out)) {
		pid, _ := strconv.Atoi(f)
		cmd, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
		if strings.Contains(string(cmd), "lazarus-") {
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
	}
}

// waitHostUp waits until host's nova-compute is up, enabled and not forced down.
func (c *chaos) waitHostUp(ctx context.Context, t *testing.T, host string) {
	require.NoError(t, poll(ctx, 3*time.Minute, time.Second, host+" up in Nova", func() (bool, error) {
		s, err := c.service(ctx, host)
		return err == nil && s.State == "up" && !s.ForcedDown && s.Status == "enabled", err
	}))
}

// ---------------------------------------------------------------- tools

// powerEvent is a line of lib/chassisctl.sh's log: who switched a host.
type powerEvent struct {
	at     time.Time
	on     bool
	by     string // bmc or switch
	detail string
}

// powerEvents reads host's power events at or after since.
func (c *chaos) powerEvents(host string, since time.Time) []powerEvent {
	f, err := os.Open(c.logPath(host))
	if err != nil {
		return nil
	}
	defer f.Close()
	var evs []powerEvent
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		i := strings.Index(line, " chassisctl: power ")
		if i < 0 {
			continue
		}
		at, err := time.Parse("2006-01-02T15:04:05.000Z", line[:i])
		if err != nil || at.Before(since) {
			continue
		}
		rest := line[i+len(" chassisctl: power "):]
		ev := powerEvent{at: at, on: strings.HasPrefix(rest, "on"), detail: rest}
		if j := strings.Index(rest, "(by "); j >= 0 {
			ev.by = strings.TrimRight(strings.FieldsFunc(rest[j+4:], func(r rune) bool { return r == ';' || r == ')' })[0], " ")
		}
		evs = append(evs, ev)
	}
	return evs
}

// bmcPowerOffs are the BMC-commanded power offs (fences) of host since.
func (c *chaos) bmcPowerOffs(host string, since time.Time) []time.Time {
	var out []time.Time
	for _, ev := range c.powerEvents(host, since) {
		if !ev.on && ev.by == "bmc" {
			out = append(out, ev.at)
		}
	}
	return out
}

// recovery is the engine's record of a host's failure, read from the database.
type recovery struct {
	uuid, notif, kind, state, owner, status string
	holdReason                              string
	created, generated                      time.Time
}

// recoveries lists host's recoveries created at or after since.
func (c *chaos) recoveries(ctx context.Context, host string, since time.Time) ([]recovery, error) {
	rows, err := c.db.Query(ctx, `
		SELECT r.uuid::text, r.notification_uuid::text, r.kind, r.state, COALESCE(r.lease_owner, ''), n.status,
		       COALESCE(r.hold_reason, ''), r.created_at, n.generated_time
		  FROM recoveries r JOIN notifications n ON n.notification_uuid = r.notification_uuid
		 WHERE r.host_name = $1 AND r.created_at >= $2 ORDER BY r.created_at`, host, since)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []recovery
	for rows.Next() {
		var r recovery
		if err := rows.Scan(&r.uuid, &r.notif, &r.kind, &r.state, &r.owner, &r.status, &r.holdReason, &r.created, &r.generated); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// notificationsSince counts host's notifications created at or after since
// (the second it started: created_at keeps whole seconds).
func (c *chaos) notificationsSince(ctx context.Context, host string, since time.Time) (int, error) {
	var n int
	err := c.db.QueryRow(ctx, `SELECT count(*) FROM notifications n JOIN hosts h ON h.uuid = n.source_host_uuid
		WHERE h.name = $1 AND NOT n.deleted AND n.created_at >= date_trunc('second', $2::timestamptz)`, host, since).Scan(&n)
	return n, err
}

// waitRecovery waits for host's host-failure recovery created since, and
// returns it.
func (c *chaos) waitRecovery(ctx context.Context, host string, since time.Time, limit time.Duration) (recovery, error) {
	var got recovery
	err := poll(ctx, limit, 100*time.Millisecond, "a recovery of "+host, func() (bool, error) {
		rs, err := c.recoveries(ctx, host, since)
		if err != nil {
			return false, err
		}
		for _, r := range rs {
			if r.kind == "host" {
				got = r
				return true, nil
			}
		}
		return false, nil
	})
	return got, err
}

// stepTimes are the first SUCCESS result of each step of a recovery.
func (c *chaos) stepTimes(ctx context.Context, recoveryUUID string) (map[string]time.Time, error) {
	rows, err := c.db.Query(ctx, `SELECT name, min(created_at) FROM recovery_steps
		WHERE recovery_uuid = $1 AND phase = 'result' AND state = 'SUCCESS' GROUP BY name`, recoveryUUID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]time.Time{}
	for rows.Next() {
		var n string
		var at time.Time
		if err := rows.Scan(&n, &at); err != nil {
			return nil, err
		}
		out[n] = at
	}
	return out, rows.Err()
}

// stepMessages are a step's journal entries, "STATE: message", oldest first.
func (c *chaos) stepMessages(ctx context.Context, recoveryUUID, name string) ([]string, error) {
	rows, err := c.db.Query(ctx, `SELECT state || ': ' || message FROM recovery_steps
		WHERE recovery_uuid = $1 AND name = $2 ORDER BY id`, recoveryUUID, name)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// firstReceived is when an engine committed the first monitor report of a notification.
func (c *chaos) firstReceived(ctx context.Context, notif string) (time.Time, error) {
	var at *time.Time
	err := c.db.QueryRow(ctx, `SELECT min(received_at) FROM notification_observers WHERE notification_uuid = $1`, notif).Scan(&at)
	if at == nil {
		return time.Time{}, err
	}
	return *at, err
}

// vmoveStarts are the start times of a notification's evacuations (Lazarus's journal).
func (c *chaos) vmoveStarts(ctx context.Context, notif string) ([]time.Time, error) {
	rows, err := c.db.Query(ctx, `SELECT start_time FROM vmoves WHERE notification_uuid = $1 AND start_time IS NOT NULL ORDER BY start_time`, notif)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []time.Time
	for rows.Next() {
		var at time.Time
		if err := rows.Scan(&at); err != nil {
			return nil, err
		}
		out = append(out, at)
	}
	return out, rows.Err()
}

// bootMix boots nHA servers with HA_Enabled=True and nPlain without, on host.
func (c *chaos) bootMix(ctx context.Context, t *testing.T, prefix, host string, nHA, nPlain int) (ids []string, ha map[string]bool) {
	flags := make([]bool, 0, nHA+nPlain)
	for i := 0; i < nHA; i++ {
		flags = append(flags, true)
	}
	for i := 0; i < nPlain; i++ {
		flags = append(flags, false)
	}
	return c.bootFlags(ctx, t, prefix, host, flags, nil)
}

// randDuration is a uniformly random duration in [lo, hi).
func randDuration(lo, hi time.Duration) time.Duration {
	n, _ := rand.Int(rand.Reader, big.NewInt(int64(hi-lo)))
	return lo + time.Duration(n.Int64())
}

// logOffset is the size of a log file now, to read what comes after.
func logOffset(path string) int64 {
	st, err := os.Stat(path)
	if err != nil {
		return 0
	}
	return st.Size()
}

// logSince is what a log file gained after offset.
func logSince(path string, offset int64) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	if _, err := f.Seek(offset, io.SeekStart); err != nil {
		return ""
	}
	b, _ := io.ReadAll(f)
	return string(b)
}

// ---------------------------------------------------------------- checks

// evacuationOutcome waits for the HA servers to be ACTIVE on other hosts and
// the recovery to end, then checks the safety invariants: each HA server
// evacuated exactly once (Nova's migrations), no non-HA server moved, every
// evacuation after proof of death (the fence step's SUCCESS, and for a
// fence by the BMC after its power off), and the failed host still off and
// forced down when its instances were safe.
func (c *chaos) evacuationOutcome(ctx context.Context, r *chaosRun, victim, prefix string, rec recovery, ids []string, ha map[string]bool, limit time.Duration) {
	var haIDs []string
	for _, id := range ids {
		if ha[id] {
			haIDs = append(haIDs, id)
		}
	}
	err := poll(ctx, limit, 100*time.Millisecond, "HA servers ACTIVE elsewhere", func() (bool, error) {
		ss, err := c.servers(ctx, prefix)
		if err != nil {
			return false, err
		}
		for _, id := range haIDs {
			s := ss[id]
			if s.Status != "ACTIVE" || s.Host == victim || s.Host == "" || (s.Task != nil && *s.Task != "") {
				return false, nil
			}
		}
		return true, nil
	})
	if err != nil {
		r.fail("HA servers not ACTIVE elsewhere: %v", err)
	} else {
		r.mark(mActive, time.Now())
		// The failed host must still be off and forced down now.
		if st, err := c.powerStatus(ctx, victim); err != nil || st != "Chassis Power is off" {
			r.violate("%s reads %q (err %v) while its instances became safe", victim, st, err)
		}
		if svc, err := c.service(ctx, victim); err != nil || !svc.ForcedDown {
			r.violate("%s not forced down (%+v, err %v) while its instances became safe", victim, svc, err)
		}
		for _, ev := range c.powerEvents(victim, r.origin) {
			if ev.on {
				r.violate("%s powered on at %s, before its instances were safe", victim, ev.at.Format(time.RFC3339Nano))
			}
		}
	}
	// Let the recovery finish, then read the record.
	var final recovery
	if err := poll(ctx, 2*time.Minute, 200*time.Millisecond, "recovery done", func() (bool, error) {
		rs, err := c.recoveries(ctx, victim, rec.created)
		if err != nil || len(rs) == 0 {
			return false, err
		}
		final = rs[0]
		return final.state == "done", nil
	}); err != nil {
		r.fail("recovery %s not done: %v", rec.uuid, err)
	} else if final.status != "finished" {
		r.fail("notification %s ended %s", final.notif, final.status)
	}
	steps, err := c.stepTimes(ctx, rec.uuid)
	if err != nil {
		r.fail("read journal: %v", err)
		return
	}
	r.mark(mFenced, steps["fence"])
	r.mark(mForced, steps["force_down"])
	starts, err := c.vmoveStarts(ctx, rec.notif)
	if err != nil {
		r.fail("read vmoves: %v", err)
	}
	if len(starts) > 0 {
		r.mark(mFirstEvac, starts[0])
	}
	fencedAt, fenced := steps["fence"]
	for _, s := range starts {
		if !fenced || s.Before(fencedAt) {
			r.violate("an evacuation started at %s without proof of death (fence step SUCCESS at %v)", s.Format(time.RFC3339Nano), fencedAt)
			break
		}
	}
	migs, err := c.evacuations(ctx, ids)
	if err != nil {
		r.fail("read Nova's migrations: %v", err)
		return
	}
	for _, id := range ids {
		ms := migs[id]
		switch {
		case ha[id] && len(ms) != 1:
			r.violate("HA server %s evacuated %d times (Nova's migrations)", id, len(ms))
		case !ha[id] && len(ms) != 0:
			r.violate("non-HA server %s moved (%d evacuations)", id, len(ms))
		}
		for _, m := range ms {
			// Nova keeps whole seconds: a record more than a second
			// before the fence is an evacuation before proof of death.
			if at, ok := parseTime(m.CreatedAt); ok && fenced && at.Add(time.Second).Before(fencedAt) {
				r.violate("Nova evacuated %s at %s, before the fence (%s)", id, m.CreatedAt, fencedAt.Format(time.RFC3339Nano))
			}
		}
	}
	// Where the BMC switched the host off (a fence), every evacuation
	// must come after that power off.
	if offs := c.bmcPowerOffs(victim, r.origin); len(offs) > 0 && len(starts) > 0 && starts[0].Before(offs[0]) {
		r.violate("first evacuation %s before the BMC powered %s off (%s)", starts[0].Format(time.RFC3339Nano), victim, offs[0].Format(time.RFC3339Nano))
	}
}

// noRecoveryActions checks that nothing was fenced or evacuated for host
// since the run began: no BMC power off, no evacuation of ids.
func (c *chaos) noRecoveryActions(ctx context.Context, r *chaosRun, host string, ids []string) {
	if offs := c.bmcPowerOffs(host, r.origin); len(offs) > 0 {
		r.violate("%s fenced (BMC power off at %s)", host, offs[0].Format(time.RFC3339Nano))
	}
	migs, err := c.evacuations(ctx, ids)
	if err != nil {
		r.fail("read Nova's migrations: %v", err)
		return
	}
	for id, ms := range migs {
		if len(ms) > 0 {
			r.violate("server %s evacuated (%d migrations)", id, len(ms))
		}
	}
}

// ---------------------------------------------------------------- runs

// begin starts a run: servers on victim (nHA with HA metadata, nPlain
// without), named after the run's prefix, which it returns.
func (c *chaos) begin(ctx context.Context, t *testing.T, r *chaosRun, victim string, nHA, nPlain int) (string, []string, map[string]bool) {
	prefix := fmt.Sprintf("%s-%s-%d", c.prefix, strings.ReplaceAll(r.scenario, "_", ""), r.n)
	ids, ha := c.bootMix(ctx, t, prefix, victim, nHA, nPlain)
	return prefix, ids, ha
}

// end deletes the run's servers and brings hosts back: powered on (a
// reboot if it was on), forced down lifted, enabled, up, out of
// maintenance, links plugged in.
func (c *chaos) end(ctx context.Context, t *testing.T, prefix string, hostsToRestore ...string) {
	// Links first: a server on a host that Nova still thinks up is
	// deleted through its nova-compute, which needs its management link.
	for _, h := range hostsToRestore {
		out, err := c.cloudSh(ctx, "link", h, "mgmt", "up")
		require.NoError(t, err, out)
		out, err = c.cloudSh(ctx, "link", h, "storage", "up")
		require.NoError(t, err, out)
	}
	c.deleteServers(ctx, prefix)
	for _, h := range hostsToRestore {
		// A reboot: whatever ran (a half-dead nova-compute, an isolated
		// monitor) starts afresh, as after a fence and repair.
		out, err := c.cloudSh(ctx, "power", h, "off")
		require.NoError(t, err, out)
		bootedAt := time.Now().UTC()
		c.restoreHost(ctx, t, h)
		// "up" may still be the last report of the nova-compute that was
		// killed: wait for one from the new one.
		require.NoError(t, poll(ctx, 2*time.Minute, time.Second, h+"'s new nova-compute reports", func() (bool, error) {
			s, err := c.service(ctx, h)
			if err != nil {
				return false, err
			}
			at, ok := parseTime(s.UpdatedAt)
			return ok && at.Add(time.Second).After(bootedAt) && s.State == "up", nil
		}))
		c.waitSchedulable(ctx, t, h)
	}
	// Let the monitors see every peer again before the next run.
	require.NoError(t, poll(ctx, 2*time.Minute, time.Second, "every host monitor hears all its peers", func() (bool, error) {
		rows, err := c.db.Query(ctx, `SELECT peers_alive::text FROM monitor_heartbeats WHERE last_seen > now() - interval '15 seconds'`)
		if err != nil {
			return false, err
		}
		defer rows.Close()
		n := 0
		for rows.Next() {
			var s string
			if err := rows.Scan(&s); err != nil {
				return false, err
			}
			want := fmt.Sprintf(`"mgmt": %d`, computes-1)
			if strings.Contains(s, want) && strings.Contains(s, fmt.Sprintf(`"storage": %d`, computes-1)) {
				n++
			}
		}
		return n >= computes, rows.Err()
	}))
}

// waitSchedulable waits until Placement no longer marks host's provider
// COMPUTE_STATUS_DISABLED. Nova sets that trait when the service is
// disabled (the process flow) and removes it through an RPC to the compute
// when it is enabled again; a nova-compute that was restarting then keeps
// it until its next resource sync, and the scheduler finds no valid host.
// A reboot makes the new nova-compute sync at start, enabled.
func (c *chaos) waitSchedulable(ctx context.Context, t *testing.T, host string) {
	pl := &gophercloud.ServiceClient{ProviderClient: c.nova.ProviderClient, Endpoint: "http://127.0.0.1:18778/"}
	hdr := map[string]string{"OpenStack-API-Version": "placement 1.6"}
	disabled := func() (bool, error) {
		var rps struct {
			ResourceProviders []struct {
				UUID string `json:"uuid"`
			} `json:"resource_providers"`
		}
		if _, err := pl.Get(ctx, pl.Endpoint+"resource_providers?name="+host, &rps, &gophercloud.RequestOpts{MoreHeaders: hdr}); err != nil {
			return false, err
		}
		if len(rps.ResourceProviders) != 1 {
			return false, fmt.Errorf("%d resource providers named %s", len(rps.ResourceProviders), host)
		}
		var tr struct {
			Traits []string `json:"traits"`
		}
		if _, err := pl.Get(ctx, pl.Endpoint+"resource_providers/"+rps.ResourceProviders[0].UUID+"/traits", &tr, &gophercloud.RequestOpts{MoreHeaders: hdr}); err != nil {
			return false, err
		}
		for _, x := range tr.Traits {
			if x == "COMPUTE_STATUS_DISABLED" {
				return true, nil
			}
		}
		return false, nil
	}
	for attempt := 1; ; attempt++ {
		err := poll(ctx, 20*time.Second, 500*time.Millisecond, host+" schedulable in Placement", func() (bool, error) {
			d, err := disabled()
			return err == nil && !d, err
		})
		if err == nil {
			return
		}
		require.Less(t, attempt, 3, "%s: %v", host, err)
		logf("%s still COMPUTE_STATUS_DISABLED in Placement; rebooting it so its nova-compute syncs enabled", host)
		out, err := c.cloudSh(ctx, "power", host, "off")
		require.NoError(t, err, out)
		out, err = c.cloudSh(ctx, "power", host, "on")
		require.NoError(t, err, out)
	}
}

const victimHost = "compute-1"

// powerCut: compute-1 loses power; its peers' monitors report it; the
// engines fence (already off), force down and evacuate exactly the HA
// instances.
func (c *chaos) powerCut(ctx context.Context, t *testing.T, r *chaosRun) {
	prefix, ids, ha := c.begin(ctx, t, r, victimHost, 6, 2)
	defer c.end(ctx, t, prefix, victimHost)
	engineOff := map[string]int64{}
	for _, n := range c.engines {
		engineOff[n] = logOffset(c.logPath(n))
	}
	r.origin = time.Now()
	out, err := c.cloudSh(ctx, "power", victimHost, "off")
	require.NoError(t, err, out)
	rec, err := c.waitRecovery(ctx, victimHost, r.origin, 2*time.Minute)
	if err != nil {
		r.violate("lost failure: no recovery of %s after its power cut: %v", victimHost, err)
		return
	}
	c.markDetection(ctx, r, rec)
	c.evacuationOutcome(ctx, r, victimHost, prefix, rec, ids, ha, 3*time.Minute)
	if r.n == 1 {
		c.printStory(r, rec, engineOff)
	}
}

// markDetection records the monitors' event time and the engine's receipt.
func (c *chaos) markDetection(ctx context.Context, r *chaosRun, rec recovery) {
	r.mark(mDetected, rec.generated)
	if at, err := c.firstReceived(ctx, rec.notif); err == nil {
		r.mark(mReceived, at)
	}
}

// printStory prints the lines the engines logged about this recovery: the
// log must read as a story.
func (c *chaos) printStory(r *chaosRun, rec recovery, offsets map[string]int64) {
	var lines []string
	for _, n := range c.engines {
		for _, l := range strings.Split(logSince(c.logPath(n), offsets[n]), "\n") {
			if strings.Contains(l, rec.notif) || strings.Contains(l, rec.uuid) || strings.Contains(l, victimHost) {
				lines = append(lines, n+": "+l)
			}
		}
	}
	story := strings.Join(lines, "\n")
	path := filepath.Join(c.state, "logs", fmt.Sprintf("chaos-story-%s-%d.log", r.scenario, r.n))
	_ = os.WriteFile(path, []byte(story+"\n"), 0o644)
	fmt.Printf("\n== the engines' story of %s run %d (notification %s; also in %s) ==\n%s\n\n", r.scenario, r.n, rec.notif, path, story)
}

// oneLinkCut: one of compute-1's two links is cut while it runs: its peers
// see it dead on one network only, report it degraded, and nothing is
// fenced or evacuated.
func (c *chaos) oneLinkCut(ctx context.Context, t *testing.T, r *chaosRun) {
	which := "storage"
	if r.n%2 == 1 {
		which = "mgmt"
	}
	r.note("%s link", which)
	prefix, ids, _ := c.begin(ctx, t, r, victimHost, 1, 1)
	defer c.end(ctx, t, prefix, victimHost)
	offs := map[string]int64{}
	for i := 2; i <= computes; i++ {
		offs[hostName(i)] = logOffset(c.logPath(hostName(i) + ".hostmonitor"))
	}
	r.origin = time.Now()
	out, err := c.cloudSh(ctx, "link", victimHost, which, "down")
	require.NoError(t, err, out)
	// Longer than detection (a few seconds) and shorter than Nova's
	// service_down_time (30 s): Nova still sees the host up throughout.
	_ = sleepCtx(ctx, 20*time.Second)
	degraded := 0
	for h, off := range offs {
		if strings.Contains(logSince(c.logPath(h+".hostmonitor"), off), "peer="+victimHost+" status=degraded") {
			degraded++
		}
	}
	if degraded == 0 {
		r.fail("no peer reported %s degraded", victimHost)
	} else {
		r.note("%d peers reported it degraded", degraded)
	}
	rs, err := c.recoveries(ctx, victimHost, r.origin)
	require.NoError(t, err)
	for _, rec := range rs {
		if rec.kind == "host" && rec.status != "ignored" {
			r.fail("a host recovery %s (%s/%s) for a host that only lost one link", rec.uuid, rec.state, rec.status)
		}
	}
	c.noRecoveryActions(ctx, r, victimHost, ids)
	if st, err := c.powerStatus(ctx, victimHost); err != nil || st != "Chassis Power is on" {
		r.violate("%s reads %q (err %v) after a link cut", victimHost, st, err)
	}
}

// isolatedHost: both of compute-1's links are cut while it runs. It must
// accuse nobody and run its isolation action; its peers report it; it is
// fenced (the BMC powers it off) before any evacuation.
func (c *chaos) isolatedHost(ctx context.Context, t *testing.T, r *chaosRun) {
	prefix, ids, ha := c.begin(ctx, t, r, victimHost, 2, 1)
	defer c.end(ctx, t, prefix, victimHost)
	hmLog := c.logPath(victimHost + ".hostmonitor")
	off := logOffset(hmLog)
	ranFile := filepath.Join(c.state, "hosts", victimHost, "isolation-action.ran")
	ranOff := logOffset(ranFile)
	r.origin = time.Now()
	for _, l := range []string{"mgmt", "storage"} {
		out, err := c.cloudSh(ctx, "link", victimHost, l, "down")
		require.NoError(t, err, out)
	}
	rec, err := c.waitRecovery(ctx, victimHost, r.origin, 2*time.Minute)
	if err != nil {
		r.violate("lost failure: no recovery of the isolated %s: %v", victimHost, err)
		return
	}
	c.markDetection(ctx, r, rec)
	// Nova sees the host down after service_down_time (30 s); the verdict
	// waits for it, then the BMC fences it.
	c.evacuationOutcome(ctx, r, victimHost, prefix, rec, ids, ha, 4*time.Minute)
	hm := logSince(hmLog, off)
	if !strings.Contains(hm, "this host is isolated") {
		r.fail("%s's monitor did not declare itself isolated", victimHost)
	}
	for _, l := range strings.Split(hm, "\n") {
		if strings.Contains(l, "host event published") && !strings.Contains(l, "peer="+victimHost) {
			r.violate("the isolated host accused another: %s", l)
		}
	}
	offs := c.bmcPowerOffs(victimHost, r.origin)
	if ran := logSince(ranFile, ranOff); strings.TrimSpace(ran) == "" {
		r.fail("the isolation action did not run")
	} else if at, err := time.Parse("2006-01-02T15:04:05.000Z", strings.Fields(ran)[0]); err == nil {
		r.note("isolation action ran at +%.1f s", at.Sub(r.origin).Seconds())
		if len(offs) > 0 {
			r.note("BMC power off at +%.1f s", offs[0].Sub(r.origin).Seconds())
		}
	}
	if len(offs) == 0 {
		r.violate("%s evacuated without the BMC powering it off", victimHost)
	}
	for i := 2; i <= computes; i++ {
		if rs, _ := c.recoveries(ctx, hostName(i), r.origin); len(rs) > 0 {
			r.violate("%s has a recovery while only %s was isolated", hostName(i), victimHost)
		}
	}
}

// bmcUnreachable: compute-1's BMC stops answering and the host loses
// power. The recovery holds with the reason shown and evacuates only after
// an operator's fence_confirm.
func (c *chaos) bmcUnreachable(ctx context.Context, t *testing.T, r *chaosRun) {
	prefix, ids, ha := c.begin(ctx, t, r, victimHost, 2, 1)
	bmcPID, err := c.pidFromFile("bmc-" + victimHost)
	require.NoError(t, err)
	require.NoError(t, syscall.Kill(-bmcPID, syscall.SIGSTOP))
	defer func() {
		_ = syscall.Kill(-bmcPID, syscall.SIGCONT)
		c.end(ctx, t, prefix, victimHost)
	}()
	r.origin = time.Now()
	out, err := c.cloudSh(ctx, "power", victimHost, "off")
	require.NoError(t, err, out)
	rec, err := c.waitRecovery(ctx, victimHost, r.origin, 2*time.Minute)
	if err != nil {
		r.violate("lost failure: no recovery of %s: %v", victimHost, err)
		return
	}
	c.markDetection(ctx, r, rec)
	var reason string
	err = poll(ctx, 3*time.Minute, 250*time.Millisecond, "recovery held", func() (bool, error) {
		msgs, err := c.stepMessages(ctx, rec.uuid, "fence")
		for _, m := range msgs {
			if strings.HasPrefix(m, "HELD: ") {
				reason = strings.TrimPrefix(m, "HELD: ")
				return true, nil
			}
		}
		return false, err
	})
	if err != nil {
		r.fail("the recovery did not hold: %v", err)
		return
	}
	r.note("held: %s", reason)
	// Held: nothing moves while it holds.
	_ = sleepCtx(ctx, 5*time.Second)
	c.noRecoveryActions(ctx, r, victimHost, ids)
	confirmAt := time.Now()
	_, err = fencedevices.Confirm(ctx, c.ha, c.segment, c.hostUUID[victimHost], fencedevices.ConfirmOpts{
		Comment: fmt.Sprintf("chaos %s #%d: checked at the rack, %s is off", r.scenario, r.n, victimHost)}).Extract()
	require.NoError(t, err, "fence_confirm")
	_ = syscall.Kill(-bmcPID, syscall.SIGCONT)
	// The BMC answers again and reads power off: the outcome checks want it.
	c.evacuationOutcome(ctx, r, victimHost, prefix, rec, ids, ha, 3*time.Minute)
	if starts, _ := c.vmoveStarts(ctx, rec.notif); len(starts) > 0 && starts[0].Before(confirmAt) {
		r.violate("evacuated at %s before the operator's confirmation (%s)", starts[0].Format(time.RFC3339Nano), confirmAt.Format(time.RFC3339Nano))
	}
}

// enginesCut: the engines lose the monitors' broker, then compute-1 loses
// power. Nothing is fenced while the monitors are unheard; once the path
// returns, the recovery runs.
func (c *chaos) enginesCut(ctx context.Context, t *testing.T, r *chaosRun) {
	prefix, ids, ha := c.begin(ctx, t, r, victimHost, 2, 1)
	defer c.end(ctx, t, prefix, victimHost)
	c.proxy.Cut()
	restored := false
	defer func() {
		if !restored {
			c.proxy.Restore()
		}
	}()
	r.origin = time.Now()
	out, err := c.cloudSh(ctx, "power", victimHost, "off")
	require.NoError(t, err, out)
	// Longer than monitor_stale_after (30 s): the engines' own check
	// sees every monitor silent.
	_ = sleepCtx(ctx, 40*time.Second)
	if offs := c.bmcPowerOffs(victimHost, r.origin); len(offs) > 0 {
		r.violate("fenced at %s while the engines heard no monitor", offs[0].Format(time.RFC3339Nano))
	}
	if rs, _ := c.recoveries(ctx, victimHost, r.origin); len(rs) > 0 {
		r.note("recovery %s existed during the cut (state %s)", rs[0].uuid, rs[0].state)
	}
	restoreAt := time.Now()
	c.proxy.Restore()
	restored = true
	r.note("broker path back at +%.1f s", restoreAt.Sub(r.origin).Seconds())
	rec, err := c.waitRecovery(ctx, victimHost, r.origin, 2*time.Minute)
	if err != nil {
		r.violate("lost failure: no recovery after the engines' path returned: %v", err)
		return
	}
	c.markDetection(ctx, r, rec)
	c.evacuationOutcome(ctx, r, victimHost, prefix, rec, ids, ha, 3*time.Minute)
	if msgs, err := c.stepMessages(ctx, rec.uuid, "fence"); err == nil {
		for _, m := range msgs {
			if strings.HasPrefix(m, "HELD: ") {
				r.note("held first: %s", strings.TrimPrefix(m, "HELD: "))
				break
			}
		}
	}
	if steps, err := c.stepTimes(ctx, rec.uuid); err == nil {
		if f, ok := steps["fence"]; ok && f.Before(restoreAt) {
			r.violate("fence step succeeded at %s, before the monitors were heard again", f.Format(time.RFC3339Nano))
		}
	}
}

// novaComputeKilled: nova-compute dies on a powered host whose monitors
// run; its restart fails; the process flow disables the service and
// nothing is evacuated or fenced.
func (c *chaos) novaComputeKilled(ctx context.Context, t *testing.T, r *chaosRun) {
	prefix, ids, _ := c.begin(ctx, t, r, victimHost, 1, 1)
	defer c.end(ctx, t, prefix, victimHost)
	pid, err := c.pidFromFile(victimHost)
	require.NoError(t, err)
	r.origin = time.Now()
	require.NoError(t, syscall.Kill(-pid, syscall.SIGKILL))
	var rec recovery
	err = poll(ctx, 2*time.Minute, 250*time.Millisecond, "a process recovery", func() (bool, error) {
		rs, err := c.recoveries(ctx, victimHost, r.origin)
		for _, x := range rs {
			if x.kind == "process" {
				rec = x
				return true, nil
			}
		}
		return false, err
	})
	if err != nil {
		r.violate("lost failure: no process recovery: %v", err)
		return
	}
	r.mark(mDetected, rec.generated)
	if err := poll(ctx, 2*time.Minute, 250*time.Millisecond, "nova-compute disabled", func() (bool, error) {
		s, err := c.service(ctx, victimHost)
		return err == nil && s.Status == "disabled", err
	}); err != nil {
		r.fail("nova-compute not disabled: %v", err)
	}
	if err := poll(ctx, 2*time.Minute, 250*time.Millisecond, "process recovery done", func() (bool, error) {
		rs, err := c.recoveries(ctx, victimHost, r.origin)
		for _, x := range rs {
			if x.uuid == rec.uuid {
				rec = x
				return x.state == "done", nil
			}
		}
		return false, err
	}); err != nil {
		r.fail("process recovery not done: %v", err)
	}
	// Give a wrong host flow time to show itself.
	_ = sleepCtx(ctx, 10*time.Second)
	rs, _ := c.recoveries(ctx, victimHost, r.origin)
	for _, x := range rs {
		if x.kind == "host" && x.status != "ignored" {
			r.violate("a host recovery (%s, %s) for a host whose nova-compute died", x.uuid, x.status)
		}
	}
	c.noRecoveryActions(ctx, r, victimHost, ids)
	if st, err := c.powerStatus(ctx, victimHost); err != nil || st != "Chassis Power is on" {
		r.violate("%s reads %q (err %v): fenced for a dead process", victimHost, st, err)
	}
	r.note("process recovery %s", rec.status)
}

// engineSigkill: compute-1 loses power and, 0.2 to 5 s after an engine
// takes the recovery, that engine is SIGKILLed. The other replica resumes;
// every HA instance is evacuated exactly once.
func (c *chaos) engineSigkill(ctx context.Context, t *testing.T, r *chaosRun) {
	prefix, ids, ha := c.begin(ctx, t, r, victimHost, 4, 1)
	defer c.end(ctx, t, prefix, victimHost)
	r.origin = time.Now()
	out, err := c.cloudSh(ctx, "power", victimHost, "off")
	require.NoError(t, err, out)
	var rec recovery
	err = poll(ctx, 2*time.Minute, 20*time.Millisecond, "a recovery with an owner", func() (bool, error) {
		rs, err := c.recoveries(ctx, victimHost, r.origin)
		for _, x := range rs {
			if x.kind == "host" && x.owner != "" {
				rec = x
				return true, nil
			}
		}
		return false, err
	})
	if err != nil {
		r.violate("lost failure: no owned recovery: %v", err)
		return
	}
	c.markDetection(ctx, r, rec)
	wait := randDuration(200*time.Millisecond, 5*time.Second)
	_ = sleepCtx(ctx, wait)
	// The owner may have changed hands already; kill whoever owns it now.
	owner := rec.owner
	if rs, _ := c.recoveries(ctx, victimHost, r.origin); len(rs) > 0 && rs[0].owner != "" {
		owner = rs[0].owner
	}
	r.note("SIGKILL %s %.1f s after it took the recovery", owner, wait.Seconds())
	c.kill(owner, syscall.SIGKILL)
	defer func() {
		c.mu.Lock()
		b := c.procConf[owner]
		c.mu.Unlock()
		c.startWith(t, owner, b[0], b[1])
	}()
	c.evacuationOutcome(ctx, r, victimHost, prefix, rec, ids, ha, 4*time.Minute)
	if rs, _ := c.recoveries(ctx, victimHost, r.origin); len(rs) > 0 {
		if rs[0].owner == owner && rs[0].state != "done" {
			r.fail("the killed engine still owns the recovery")
		}
	}
}

// rabbitRestart: compute-1 loses power and the monitors' broker restarts
// while they detect it. The notification still arrives once (the spool)
// and the recovery completes.
func (c *chaos) rabbitRestart(ctx context.Context, t *testing.T, r *chaosRun) {
	prefix, ids, ha := c.begin(ctx, t, r, victimHost, 2, 1)
	defer c.end(ctx, t, prefix, victimHost)
	r.origin = time.Now()
	out, err := c.cloudSh(ctx, "power", victimHost, "off")
	require.NoError(t, err, out)
	t0 := time.Now()
	out, err = c.cloudSh(ctx, "restart-lazarus-rabbit")
	require.NoError(t, err, out)
	r.note("broker restarted in %.1f s", time.Since(t0).Seconds())
	rec, err := c.waitRecovery(ctx, victimHost, r.origin, 3*time.Minute)
	if err != nil {
		r.violate("lost failure: no recovery after the broker restart: %v", err)
		return
	}
	c.markDetection(ctx, r, rec)
	c.evacuationOutcome(ctx, r, victimHost, prefix, rec, ids, ha, 3*time.Minute)
	if n, err := c.notificationsSince(ctx, victimHost, r.origin); err != nil || n != 1 {
		r.violate("%d notifications for %s's one failure (err %v)", n, victimHost, err)
	}
}

// postgresRestart: compute-1 loses power and PostgreSQL restarts once the
// first evacuation is issued. The recovery completes, nothing evacuated twice.
func (c *chaos) postgresRestart(ctx context.Context, t *testing.T, r *chaosRun) {
	prefix, ids, ha := c.begin(ctx, t, r, victimHost, 4, 1)
	defer c.end(ctx, t, prefix, victimHost)
	r.origin = time.Now()
	out, err := c.cloudSh(ctx, "power", victimHost, "off")
	require.NoError(t, err, out)
	rec, err := c.waitRecovery(ctx, victimHost, r.origin, 2*time.Minute)
	if err != nil {
		r.violate("lost failure: no recovery: %v", err)
		return
	}
	err = poll(ctx, 2*time.Minute, 50*time.Millisecond, "the first evacuation", func() (bool, error) {
		migs, err := c.evacuations(ctx, ids)
		for _, ms := range migs {
			if len(ms) > 0 {
				return true, nil
			}
		}
		return false, err
	})
	if err != nil {
		r.fail("no evacuation began: %v", err)
		return
	}
	t0 := time.Now()
	if err := c.pg.TryCtl("restart"); err != nil {
		r.fail("%v", err)
	}
	r.note("PostgreSQL restarted %.1f s after the power cut, in %.1f s", t0.Sub(r.origin).Seconds(), time.Since(t0).Seconds())
	c.markDetection(ctx, r, rec)
	c.evacuationOutcome(ctx, r, victimHost, prefix, rec, ids, ha, 3*time.Minute)
}

// stormTwoOfThree: compute-1 and compute-2 lose power at once. The storm
// brake holds both recoveries, visibly; nothing is fenced automatically.
// An operator then confirms both off and the HA instances go to compute-3.
func (c *chaos) stormTwoOfThree(ctx context.Context, t *testing.T, r *chaosRun) {
	second := hostName(2)
	prefix, ids, ha := c.begin(ctx, t, r, victimHost, 2, 1)
	ids2, ha2 := c.bootMix(ctx, t, prefix+"-b", second, 2, 0)
	defer func() {
		c.deleteServers(ctx, prefix+"-b")
		c.end(ctx, t, prefix, victimHost, second)
	}()
	r.origin = time.Now()
	for _, h := range []string{victimHost, second} {
		out, err := c.cloudSh(ctx, "power", h, "off")
		require.NoError(t, err, out)
	}
	var recs []recovery
	for _, h := range []string{victimHost, second} {
		rec, err := c.waitRecovery(ctx, h, r.origin, 2*time.Minute)
		if err != nil {
			r.violate("lost failure: no recovery of %s: %v", h, err)
			return
		}
		recs = append(recs, rec)
	}
	c.markDetection(ctx, r, recs[0])
	held := 0
	var reason string
	_ = poll(ctx, 2*time.Minute, 250*time.Millisecond, "both recoveries held", func() (bool, error) {
		held = 0
		for _, rec := range recs {
			msgs, err := c.stepMessages(ctx, rec.uuid, "fence")
			if err != nil {
				return false, err
			}
			for _, m := range msgs {
				if strings.HasPrefix(m, "HELD: ") {
					held++
					reason = strings.TrimPrefix(m, "HELD: ")
					break
				}
			}
		}
		return held == len(recs), nil
	})
	if held != len(recs) {
		r.fail("%d of %d recoveries held by the storm brake", held, len(recs))
	} else {
		r.note("held: %s", reason)
	}
	_ = sleepCtx(ctx, 10*time.Second)
	c.noRecoveryActions(ctx, r, victimHost, ids)
	c.noRecoveryActions(ctx, r, second, ids2)
	// The operator's release: both confirmed off.
	for _, h := range []string{victimHost, second} {
		_, err := fencedevices.Confirm(ctx, c.ha, c.segment, c.hostUUID[h], fencedevices.ConfirmOpts{
			Comment: fmt.Sprintf("chaos storm #%d: %s checked off", r.n, h)}).Extract()
		require.NoError(t, err, "fence_confirm %s", h)
	}
	c.evacuationOutcome(ctx, r, victimHost, prefix, recs[0], ids, ha, 3*time.Minute)
	sub := &chaosRun{scenario: r.scenario, n: r.n, origin: r.origin, marks: map[string]time.Time{}}
	c.evacuationOutcome(ctx, sub, second, prefix+"-b", recs[1], ids2, ha2, 3*time.Minute)
	r.violations = append(r.violations, sub.violations...)
	r.failures = append(r.failures, sub.failures...)
}
