package ops_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// repoRoot is the checkout this test runs in.
func repoRoot(t *testing.T) string {
	t.Helper()
	wd, err := os.Getwd()
	require.NoError(t, err)
	return filepath.Join(wd, "..", "..")
}

// daemons are the binaries that run as services; lazarus-manage and the
// lazarus CLI are commands.
func daemons(t *testing.T) []string {
	t.Helper()
	dirs, err := filepath.Glob(filepath.Join(repoRoot(t), "cmd", "lazarus-*"))
	require.NoError(t, err)
	var out []string
	for _, d := range dirs {
		name := filepath.Base(d)
		if name == "lazarus-manage" {
			continue
		}
		out = append(out, name)
	}
	require.NotEmpty(t, out)
	return out
}

func run(t *testing.T, dir, name string, args ...string) (string, error) {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	return strings.TrimSpace(string(out)), err
}
