package main

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/lazarus-ha/lazarus/cmd/internal/config"
	"github.com/lazarus-ha/lazarus/store/storetest"
)

func writeConfig(t *testing.T, dbURL string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "lazarus.conf")
	require.NoError(t, os.WriteFile(p, []byte("[DEFAULT]\nauth_strategy = noauth2\n[database]\nconnection = "+dbURL+"\n[api]\nlisten = 127.0.0.1:0\nvalidate_compute_hosts = false\npolicy_file =\n"), 0o600))
	return p
}

func TestServeRefusesUnmigratedSchema(t *testing.T) {
	t.Parallel()
	path := writeConfig(t, storetest.NewDatabase(t))
	c, err := config.Load(path, "database.connection")
	require.NoError(t, err)
	err = serve(context.Background(), slog.New(slog.DiscardHandler), c, path, nil)
	require.ErrorContains(t, err, "run `lazarus-manage --config "+path+" db sync` first")
}

func TestServeAnswers(t *testing.T) {
	t.Parallel()
	path := writeConfig(t, storetest.NewMigratedDatabase(t))
	c, err := config.Load(path, "database.connection")
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan string, 1)
	done := make(chan error, 1)
	go func() { done <- serve(ctx, slog.New(slog.DiscardHandler), c, path, ready) }()
	var addr string
	select {
	case addr = <-ready:
	case err := <-done:
		t.Fatalf("serve: %v", err)
	case <-time.After(30 * time.Second):
		t.Fatal("lazarus-api did not start")
	}
	res, err := http.Get("http://" + addr + "/v1/segments")
	require.NoError(t, err)
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	require.Equal(t, 200, res.StatusCode, string(body))
	require.JSONEq(t, `{"segments": []}`, string(body))
	res, err = http.Get("http://" + addr + "/metrics")
	require.NoError(t, err)
	body, _ = io.ReadAll(res.Body)
	res.Body.Close()
	require.Contains(t, string(body), `lazarus_api_requests_total{code="200",method="GET",route="/v1/segments"} 1`)
	cancel()
	require.NoError(t, <-done)
}

func TestMissingConnectionIsAConfigError(t *testing.T) {
	t.Parallel()
	p := filepath.Join(t.TempDir(), "lazarus.conf")
	require.NoError(t, os.WriteFile(p, []byte("[DEFAULT]\nauth_strategy = noauth2\n"), 0o600))
	require.Equal(t, 1, run([]string{"--config", p}))
}
