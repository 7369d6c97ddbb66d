package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestDemoStatusPageScreenshots runs the whole of make demo (real
// lazarus-api, lazarus-engine, host monitors, ipmi_sim BMCs, PostgreSQL,
// RabbitMQ, the Nova simulator) with --screenshots: headless Chromium keeps
// the status page open from before the failure to after the recovery, and
// the demo saves it before, while instances are being evacuated (the page
// shows a running recovery with one instance moved and one on its way) and
// once the recovery finished. Screenshots go to $LAZARUS_SCREENSHOT_DIR/<test>
// when set, else to the test's artifact directory (go test -artifacts).
func TestDemoStatusPageScreenshots(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the whole demo")
	}
	_, file, _, _ := runtime.Caller(0)
	root := filepath.Join(filepath.Dir(file), "..", "..")
	bin := t.TempDir()
	build := exec.Command("go", "build", "-buildvcs=false", "-o", bin+"/",
		"./cmd/lazarus", "./cmd/lazarus-api", "./cmd/lazarus-engine", "./cmd/lazarus-hostmonitor", "./cmd/lazarus-manage")
	build.Dir = root
	out, err := build.CombinedOutput()
	require.NoError(t, err, string(out))

	dir := t.ArtifactDir()
	if d := os.Getenv("LAZARUS_SCREENSHOT_DIR"); d != "" {
		dir = filepath.Join(d, t.Name())
	}
	var b [4]byte
	_, _ = rand.Read(b[:])
	suffix := hex.EncodeToString(b[:])
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	require.NoError(t, runDemo(ctx, bin, t.TempDir(), false, options{
		Database: "lazarus_demo_test_" + suffix, Queue: "lazarus.demotest." + suffix + ".notifications",
		EvacuateDelay: 3 * time.Second, Screenshots: dir,
	}))
	for _, name := range []string{"status-demo-before.png", "status-demo-recovery.png", "status-demo-finished.png"} {
		data, err := os.ReadFile(filepath.Join(dir, name))
		require.NoError(t, err, name)
		require.True(t, bytes.HasPrefix(data, []byte("\x89PNG\r\n\x1a\n")), "%s is a PNG", name)
		t.Logf("screenshot %s (%d KiB)", filepath.Join(dir, name), len(data)/1024)
	}
}
