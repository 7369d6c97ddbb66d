package ops_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// verifyRoot makes a root for systemd-analyze verify --root: the system's
// own unit files (for the targets ours refer to), ours, and an executable
// at every path an ExecStart names, so verify checks our units without the
// package installed and without a running systemd (this machine has none).
func verifyRoot(t *testing.T, units map[string]string) string {
	t.Helper()
	root := t.TempDir()
	sys := filepath.Join(root, "lib", "systemd", "system")
	require.NoError(t, os.MkdirAll(filepath.Dir(sys), 0o755))
	out, err := exec.Command("cp", "-a", "/lib/systemd/system", sys).CombinedOutput()
	require.NoError(t, err, "%s", out)
	execStart := regexp.MustCompile(`(?m)^ExecStart=(\S+)`)
	for name, body := range units {
		require.NoError(t, os.WriteFile(filepath.Join(sys, name), []byte(body), 0o644))
		for _, m := range execStart.FindAllStringSubmatch(body, -1) {
			bin := filepath.Join(root, m[1])
			require.NoError(t, os.MkdirAll(filepath.Dir(bin), 0o755))
			require.NoError(t, os.WriteFile(bin, []byte("#!/bin/sh\n"), 0o755))
		}
	}
	return root
}

func systemdAnalyze(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Skip("systemd-analyze not installed (Debian package systemd): units not verified")
	}
	return p
}

func readUnits(t *testing.T) map[string]string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(repoRoot(t), "etc", "systemd", "*.service"))
	require.NoError(t, err)
	units := map[string]string{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		require.NoError(t, err)
		units[filepath.Base(f)] = string(b)
	}
	return units
}

// analyzeVerify runs systemd-analyze verify on units in root and returns
// its output; verify reports unknown keys and bad values as warnings with
// exit status 0, so any output at all is a finding.
func analyzeVerify(t *testing.T, root string, names ...string) (string, error) {
	t.Helper()
	return run(t, root, systemdAnalyze(t), append([]string{"verify", "--root=" + root}, names...)...)
}

func TestSystemdUnitsVerify(t *testing.T) {
	t.Parallel()
	units := readUnits(t)
	for _, d := range daemons(t) {
		require.Contains(t, units, d+".service", "every daemon has a unit in etc/systemd")
		require.Contains(t, units[d+".service"], "ExecStart=/usr/bin/"+d+" --config /etc/lazarus/lazarus.conf")
	}
	root := verifyRoot(t, units)
	var names []string
	for n := range units {
		names = append(names, n)
	}
	out, err := analyzeVerify(t, root, names...)
	require.NoError(t, err, "systemd-analyze verify: %s", out)
	require.Empty(t, out, "systemd-analyze verify found problems")

	// The exposure score systemd computes from the sandbox settings, for
	// the record (lower is better; processmonitor runs unsandboxed as root
	// on purpose, see its unit).
	for _, n := range names {
		out, err := run(t, root, systemdAnalyze(t), "security", "--offline=yes", "--root="+root, n)
		require.NoError(t, err, "%s", out)
		lines := strings.Split(out, "\n")
		t.Logf("%s", lines[len(lines)-1])
		if n != "lazarus-processmonitor.service" {
			require.Regexp(t, `exposure level for \S+: [0-2]\.\d OK`, lines[len(lines)-1], "a lazarus-user daemon stays well sandboxed")
		}
	}
}

// The check above would pass vacuously if verify stayed silent on broken
// units: it does not.
func TestSystemdVerifyCatchesMistakes(t *testing.T) {
	t.Parallel()
	for name, body := range map[string]string{
		"unknown key": "[Service]\nExecStart=/usr/bin/lazarus-api\nRestartSec=2s\nProtectSytem=strict\n",
		"bad value":   "[Service]\nExecStart=/usr/bin/lazarus-api\nRestart=sometimes\n",
		"no binary":   "[Service]\nExecStart=/usr/bin/lazarus-api\n",
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			root := verifyRoot(t, map[string]string{"lazarus-broken.service": body})
			if name == "no binary" {
				require.NoError(t, os.Remove(filepath.Join(root, "usr", "bin", "lazarus-api")))
			}
			out, err := analyzeVerify(t, root, "lazarus-broken.service")
			require.False(t, err == nil && out == "", "verify accepted a broken unit")
			t.Logf("%s", out)
		})
	}
}
