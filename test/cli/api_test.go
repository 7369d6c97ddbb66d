package cli

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/lazarus-ha/lazarus/store/storetest"
)

var (
	apiBinOnce sync.Once
	apiBin     string
	apiBinErr  error
)

func repoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..")
}

// buildAPI builds cmd/lazarus-api once per test binary.
func buildAPI(t *testing.T) string {
	t.Helper()
	apiBinOnce.Do(func() {
		dir, err := os.MkdirTemp("", "lazarus-cli-test-")
		if err != nil {
			apiBinErr = err
			return
		}
		apiBin = filepath.Join(dir, "lazarus-api")
		cmd := exec.Command("go", "build", "-o", apiBin, "./cmd/lazarus-api")
		cmd.Dir = repoRoot()
		if out, err := cmd.CombinedOutput(); err != nil {
			apiBinErr = fmt.Errorf("go build ./cmd/lazarus-api: %v\n%s", err, out)
		}
	})
	require.NoError(t, apiBinErr)
	return apiBin
}

func freePort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	require.NoError(t, l.Close())
	return addr
}

// startAPI runs a real lazarus-api binary (auth_strategy = noauth2, no Nova
// check) on a fresh migrated database and returns its /v1 endpoint and
// host:port. The process is stopped when the test ends.
func startAPI(t *testing.T) (endpoint, hostport string) {
	t.Helper()
	return startAPIWith(t, apiOptions{})
}

// apiOptions change what startAPIWith runs.
type apiOptions struct {
	// DBURL is the migrated database to use; "" makes a fresh one.
	DBURL string
	// Keystone, when set, is the [keystone_authtoken] section's body and
	// makes auth_strategy keystone.
	Keystone string
}

// startAPIWith is startAPI with options.
func startAPIWith(t *testing.T, o apiOptions) (endpoint, hostport string) {
	t.Helper()
	bin := buildAPI(t)
	dbURL := o.DBURL
	if dbURL == "" {
		dbURL = storetest.NewMigratedDatabase(t)
	}
	strategy, ready := "noauth2", "/v1"
	if o.Keystone != "" {
		// /v1 needs a token now; /healthcheck does not.
		strategy, ready = "keystone", "/healthcheck"
	}
	addr := freePort(t)
	dir := t.TempDir()
	key := make([]byte, 32)
	_, err := rand.Read(key)
	require.NoError(t, err)
	keyFile := filepath.Join(dir, "fence.key")
	require.NoError(t, os.WriteFile(keyFile, []byte(base64.StdEncoding.EncodeToString(key)), 0o600))
	conf := filepath.Join(dir, "lazarus.conf")
	text := fmt.Sprintf(
		"[DEFAULT]\nauth_strategy = %s\n[database]\nconnection = %s\n[api]\nlisten = %s\nmetrics_listen =\nvalidate_compute_hosts = false\npolicy_file =\n[fencing]\nsecret_key_file = %s\n",
		strategy, dbURL, addr, keyFile)
	if o.Keystone != "" {
		text += "[keystone_authtoken]\n" + o.Keystone
	}
	require.NoError(t, os.WriteFile(conf, []byte(text), 0o600))
	logf, err := os.Create(filepath.Join(t.TempDir(), "lazarus-api.log"))
	require.NoError(t, err)
	cmd := exec.Command(bin, "--config", conf)
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	require.NoError(t, cmd.Start())
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(15 * time.Second):
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			<-exited
		}
		_ = logf.Close()
	})

	endpoint = "http://" + addr + "/v1"
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+addr+ready, nil)
		if resp, err := http.DefaultClient.Do(req); err == nil {
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return endpoint, addr
			}
		}
		select {
		case err := <-exited:
			log, _ := os.ReadFile(logf.Name())
			t.Fatalf("lazarus-api exited before serving: %v\n%s", err, log)
		case <-ctx.Done():
			log, _ := os.ReadFile(logf.Name())
			t.Fatalf("lazarus-api did not answer GET %s within 60s\n%s", endpoint, log)
		case <-tick.C:
		}
	}
}
