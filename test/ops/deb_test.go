package ops_test

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	amqp "github.com/rabbitmq/amqp091-go"
	"github.com/stretchr/testify/require"

	"github.com/lazarus-ha/lazarus/migrations"
	"github.com/lazarus-ha/lazarus/monitors/wire"
	"github.com/lazarus-ha/lazarus/store/storetest"
	"github.com/lazarus-ha/lazarus/test/novasim"
)

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	return ln.Addr().String()
}

// waitGet polls url until it answers 200 with a body ok accepts, and
// returns the body; it fails the test after a minute (a hang guard, not a
// timing assertion).
func waitGet(t *testing.T, url string, ok func(string) bool) string {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	last := ""
	for {
		res, err := http.Get(url)
		if err == nil {
			b, _ := io.ReadAll(res.Body)
			res.Body.Close()
			last = fmt.Sprintf("%d %s", res.StatusCode, b)
			if res.StatusCode == http.StatusOK && ok(string(b)) {
				return string(b)
			}
		} else {
			last = err.Error()
		}
		require.True(t, time.Now().Before(deadline), "GET %s: %s", url, last)
		time.Sleep(200 * time.Millisecond)
	}
}

func deleteQueues(url string, queues ...string) {
	conn, err := amqp.Dial(url)
	if err != nil {
		return
	}
	defer conn.Close()
	for _, q := range queues {
		if ch, err := conn.Channel(); err == nil {
			_, _ = ch.QueueDelete(q, false, false, false)
			ch.Close()
		}
	}
}

// debRoot is a throwaway Debian 12 system: an overlay whose lower layer is
// the cached minimal root of test/debroot.sh and whose upper layer is a
// temporary directory. Each run mounts it in a mount namespace of its own,
// so nothing is ever mounted in this machine's, and chroots into it; the
// network is this machine's, so the package's commands reach the real
// PostgreSQL on 127.0.0.1.
type debRoot struct {
	lower, upper, work, merged string
}

func newDebRoot(t *testing.T) *debRoot {
	t.Helper()
	out, err := exec.Command("bash", filepath.Join(repoRoot(t), "test", "debroot.sh")).Output()
	require.NoError(t, err, "test/debroot.sh")
	dir := t.TempDir()
	r := &debRoot{lower: strings.TrimSpace(string(out)), upper: filepath.Join(dir, "upper"), work: filepath.Join(dir, "work"), merged: filepath.Join(dir, "merged")}
	for _, d := range []string{r.upper, r.work, r.merged, filepath.Join(r.upper, "tmp")} {
		require.NoError(t, os.MkdirAll(d, 0o755))
	}
	// The overlay's work directory holds root-only files; let t.TempDir's
	// cleanup remove them.
	t.Cleanup(func() { _ = exec.Command("chmod", "-R", "u+rwX", dir).Run() })
	return r
}

// put copies a file of this machine into the root's /tmp.
func (r *debRoot) put(t *testing.T, src string) string {
	t.Helper()
	b, err := os.ReadFile(src)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(r.upper, "tmp", filepath.Base(src)), b, 0o644))
	return "/tmp/" + filepath.Base(src)
}

// sh runs script with /bin/sh -e inside the root and returns its output.
func (r *debRoot) sh(t *testing.T, script string) (string, error) {
	t.Helper()
	return r.command(script).CombinedOutputTrimmed()
}

// command is the unshare → chroot command that runs script in the root.
// A PID namespace of its own, whose first process dies with unshare
// (--kill-child), makes every process the script started die with it.
func (r *debRoot) command(script string) *rootCmd {
	cmd := exec.Command("unshare", "--mount", "--pid", "--fork", "--kill-child", "--propagation", "private", "sh", "-ec", `
		mount -t overlay overlay -o "lowerdir=$1,upperdir=$2,workdir=$3" "$4"
		mount -t proc proc "$4/proc"
		exec chroot "$4" /usr/bin/env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 /bin/sh -e`,
		"debroot", r.lower, r.upper, r.work, r.merged)
	cmd.Stdin = strings.NewReader(script)
	return &rootCmd{cmd}
}

type rootCmd struct{ *exec.Cmd }

// CombinedOutputTrimmed runs the command and returns its trimmed output.
func (c *rootCmd) CombinedOutputTrimmed() (string, error) {
	out, err := c.CombinedOutput()
	return strings.TrimSpace(string(out)), err
}

func (r *debRoot) mustSh(t *testing.T, script string) string {
	t.Helper()
	out, err := r.sh(t, script)
	require.NoError(t, err, "in the Debian root:\n%s\n---\n%s", script, out)
	return out
}

// buildDeb runs test/deb.sh (what make deb runs) with version; with
// reuse it packs the binaries the previous build left in dist/bin.
func buildDeb(t *testing.T, version string, reuse bool) string {
	t.Helper()
	cmd := exec.Command("bash", filepath.Join(repoRoot(t), "test", "deb.sh"))
	cmd.Env = append(os.Environ(), "VERSION="+version)
	if reuse {
		cmd.Env = append(cmd.Env, "DEB_REUSE_BIN=1")
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	require.NoError(t, err, "test/deb.sh: %s", stderr.String())
	t.Logf("%s", strings.TrimSpace(stderr.String()))
	return strings.TrimSpace(string(out))
}

// The package installed with dpkg -i in a Debian 12 root: the lazarus user
// and the modes of /etc/lazarus from the postinst, lazarus-manage config
// check and db sync from the installed binaries against the real
// PostgreSQL, an upgrade that keeps the edited conffile, and a purge that
// leaves nothing behind.
func TestDebInstall(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root (chroot, mount namespaces, dpkg in a Debian root): run make test as root")
	}
	if testing.Short() {
		t.Skip("builds the package twice (-short)")
	}
	for _, tool := range []string{"unshare", "chroot", "dpkg-deb"} {
		_, err := exec.LookPath(tool)
		require.NoError(t, err, "%s is needed", tool)
	}
	// Both builds write dist/: each package is copied into the root first.
	v1 := "0.0~test1"
	deb1 := buildDeb(t, v1, false)
	r := newDebRoot(t)
	in1 := r.put(t, deb1)
	deb2 := buildDeb(t, v1+"+upgrade", true)
	in2 := r.put(t, deb2)

	out := r.mustSh(t, "dpkg -i "+in1)
	t.Logf("dpkg -i:\n%s", out)

	// The postinst: a system user and group, /etc/lazarus readable by them
	// and nobody else.
	out = r.mustSh(t, `
		getent passwd lazarus | cut -d: -f6,7
		id -Gn lazarus
		stat -c '%n %U:%G %a' /etc/lazarus /etc/lazarus/lazarus.conf /etc/lazarus/policy.yaml /etc/lazarus/process_list.yaml
		dpkg-query -W -f '${Conffiles}\n' lazarus | awk 'NF {print $1}'
		ls /lib/systemd/system | grep lazarus
		ls /usr/bin | grep lazarus
	`)
	require.Equal(t, strings.Join([]string{
		"/var/lib/lazarus:/usr/sbin/nologin",
		"lazarus",
		"/etc/lazarus root:lazarus 750",
		"/etc/lazarus/lazarus.conf root:lazarus 640",
		"/etc/lazarus/policy.yaml root:lazarus 640",
		"/etc/lazarus/process_list.yaml root:lazarus 640",
		"/etc/default/lazarus-hostmonitor",
		"/etc/default/lazarus-instancemonitor",
		"/etc/default/lazarus-processmonitor",
		"/etc/lazarus/lazarus.conf",
		"/etc/lazarus/policy.yaml",
		"/etc/lazarus/process_list.yaml",
		"lazarus-api.service",
		"lazarus-engine.service",
		"lazarus-hostmonitor.service",
		"lazarus-instancemonitor.service",
		"lazarus-processmonitor.service",
		"lazarus",
		"lazarus-api",
		"lazarus-engine",
		"lazarus-hostmonitor",
		"lazarus-instancemonitor",
		"lazarus-manage",
		"lazarus-processmonitor",
	}, "\n"), out)

	// An operator's first steps, with the installed binaries, as the
	// lazarus user the daemons run as (so the modes above must let it read
	// the file). The configuration points at the real PostgreSQL and
	// RabbitMQ, and at a Nova simulator, all on this machine's 127.0.0.1.
	dbURL := storetest.NewDatabase(t)
	sim := novasim.New(novasim.Options{})
	require.NoError(t, sim.AddHost(novasim.HostSpec{Name: "compute-1", VCPUs: 8, MemoryMB: 16384, DiskGB: 100}))
	nova := httptest.NewServer(sim)
	t.Cleanup(nova.Close)
	amqpURL := cmp.Or(os.Getenv("TEST_RABBITMQ_URL"), "amqp://guest:guest@127.0.0.1:5672/")
	queue := "lazarus.test.deb." + uuid.NewString()[:8]
	t.Cleanup(func() { deleteQueues(amqpURL, queue, wire.DeadLetterQueue(queue), wire.HeartbeatQueue(queue)) })
	apiAddr, apiMetricsAddr, metricsAddr := freeAddr(t), freeAddr(t), freeAddr(t)
	conf := fmt.Sprintf(`[DEFAULT]
auth_strategy = noauth2
transport_url = %s
notification_queue = %s

[database]
connection = %s

[api]
listen = %s
metrics_listen = %s

[nova]
auth_url = %s/v3
username = %s
password = %s
project_name = %s

[engine]
metrics_listen = %s
`, amqpURL, queue, dbURL, apiAddr, apiMetricsAddr, nova.URL, novasim.DefaultUsername, novasim.DefaultPassword, novasim.DefaultProjectName, metricsAddr)
	require.NoError(t, os.WriteFile(filepath.Join(r.upper, "tmp", "lazarus.conf"), []byte(conf), 0o644))
	out = r.mustSh(t, `
		cat /tmp/lazarus.conf > /etc/lazarus/lazarus.conf && rm /tmp/lazarus.conf
		runuser -u lazarus -- lazarus-manage --config /etc/lazarus/lazarus.conf config check | grep -A3 '^\[database\]'
		runuser -u lazarus -- lazarus-manage --config /etc/lazarus/lazarus.conf db sync
		runuser -u lazarus -- lazarus-manage --config /etc/lazarus/lazarus.conf db sync
	`)
	t.Logf("config check, db sync ×2:\n%s", out)
	require.Contains(t, out, "connection = ***", "config check prints the effective config, the URL redacted")
	require.NotContains(t, out, dbURL)
	require.Contains(t, out, "schema upgraded from version 0 to")
	require.Contains(t, out, "schema already at version")
	// db sync really migrated the real database.
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dbURL)
	require.NoError(t, err)
	defer conn.Close(ctx)
	current, latest, err := migrations.Status(ctx, conn)
	require.NoError(t, err)
	require.Equal(t, latest, current)

	// The packaged daemons, as the lazarus user, as their units run them.
	var logs strings.Builder
	daemons := r.command(`
		runuser -u lazarus -- lazarus-api --config /etc/lazarus/lazarus.conf &
		runuser -u lazarus -- lazarus-engine --config /etc/lazarus/lazarus.conf &
		wait`)
	daemons.Stdout, daemons.Stderr = &logs, &logs
	require.NoError(t, daemons.Start())
	stopped := false
	stop := func() {
		if !stopped {
			stopped = true
			_ = daemons.Process.Kill()
			_ = daemons.Wait()
		}
	}
	t.Cleanup(func() {
		stop()
		if t.Failed() {
			t.Logf("daemons' output:\n%s", logs.String())
		}
	})
	health := waitGet(t, "http://"+apiAddr+"/healthcheck", func(string) bool { return true })
	t.Logf("lazarus-api /healthcheck: %s", health)
	segs := waitGet(t, "http://"+apiAddr+"/v1/segments", func(string) bool { return true })
	require.JSONEq(t, `{"segments": []}`, segs)
	require.Contains(t, waitGet(t, "http://"+apiMetricsAddr+"/metrics", func(string) bool { return true }), "lazarus_api_requests_total")
	// The engine's state metrics (what the alert rules read), live: it
	// elects itself leader and reads the real database.
	engineMetrics := waitGet(t, "http://"+metricsAddr+"/metrics", func(b string) bool { return strings.Contains(b, "\nlazarus_engine_leader 1") })
	for _, want := range []string{
		`lazarus_recoveries{kind="host",state="held"} 0`,
		`lazarus_engine_state_query_failures_total 0`,
		`# TYPE lazarus_engine_recoveries_running gauge`,
	} {
		require.Contains(t, engineMetrics, want)
	}
	stop()

	// The lazarus user cannot be used to change the configuration.
	_, err = r.sh(t, `runuser -u lazarus -- sh -c 'echo x >> /etc/lazarus/lazarus.conf'`)
	require.Error(t, err, "lazarus.conf is not writable by the daemons' user")

	// Upgrade: the edited conffile stays as the operator left it.
	out = r.mustSh(t, "dpkg -i "+in2+` && dpkg-query -W -f '${Version}\n' lazarus && grep -c '^notification_queue = `+queue+`$' /etc/lazarus/lazarus.conf && stat -c '%U:%G %a' /etc/lazarus/lazarus.conf && ls /etc/lazarus`)
	t.Logf("upgrade:\n%s", out)
	lines := strings.Split(out, "\n")
	require.Equal(t, []string{v1 + "+upgrade", "1", "root:lazarus 640", "lazarus.conf", "policy.yaml", "process_list.yaml"}, lines[len(lines)-6:])

	// Purge: binaries, units, configuration and statoverrides go.
	out = r.mustSh(t, `dpkg --purge lazarus >/dev/null
		ls /usr/bin /lib/systemd/system 2>/dev/null | grep -c lazarus || true
		test ! -e /etc/lazarus && echo "no /etc/lazarus"
		dpkg-statoverride --list | grep -c lazarus || true`)
	require.Equal(t, "0\nno /etc/lazarus\n0", out)
}
