package ops_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/lazarus-ha/lazarus/migrations"
	"github.com/lazarus-ha/lazarus/store/storetest"
)

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
	cmd := exec.Command("unshare", "--mount", "--propagation", "private", "sh", "-ec", `
		mount -t overlay overlay -o "lowerdir=$1,upperdir=$2,workdir=$3" "$4"
		mount -t proc proc "$4/proc"
		exec chroot "$4" /usr/bin/env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 /bin/sh -e`,
		"debroot", r.lower, r.upper, r.work, r.merged)
	cmd.Stdin = strings.NewReader(script)
	out, err := cmd.CombinedOutput()
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
	// the file).
	dbURL := storetest.NewDatabase(t)
	out = r.mustSh(t, `
		sed -i 's|^#connection =.*|connection = `+dbURL+`|' /etc/lazarus/lazarus.conf
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

	// The lazarus user cannot be used to change the configuration.
	_, err = r.sh(t, `runuser -u lazarus -- sh -c 'echo x >> /etc/lazarus/lazarus.conf'`)
	require.Error(t, err, "lazarus.conf is not writable by the daemons' user")

	// Upgrade: the edited conffile stays as the operator left it.
	out = r.mustSh(t, "dpkg -i "+in2+` && dpkg-query -W -f '${Version}\n' lazarus && grep -c '^connection = ' /etc/lazarus/lazarus.conf && stat -c '%U:%G %a' /etc/lazarus/lazarus.conf && ls /etc/lazarus`)
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
