// Package devstack holds the DevStack plugin; this test drives it.
package devstack

import (
	"os/exec"
	"testing"
)

// TestPluginShellcheck keeps the plugin shellcheck-clean.
func TestPluginShellcheck(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("shellcheck"); err != nil {
		t.Fatalf("shellcheck is missing (make test installs it): %v", err)
	}
	cmd := exec.Command("shellcheck", "-s", "bash", "settings", "plugin.sh", "lib/lazarus", "tests/test_plugin.sh")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("shellcheck:\n%s", out)
	}
}

// TestPluginPhases runs the plugin phase by phase with recording stand-ins
// for DevStack's functions; building, config generation, db sync and the
// API process are real.
func TestPluginPhases(t *testing.T) {
	t.Parallel()
	out, err := exec.Command("bash", "tests/test_plugin.sh").CombinedOutput()
	t.Logf("%s", out)
	if err != nil {
		t.Fatalf("plugin harness failed: %v", err)
	}
}
