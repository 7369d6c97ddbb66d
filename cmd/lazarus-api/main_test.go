package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/lazarus-ha/lazarus/cmd/internal/config"
	"github.com/lazarus-ha/lazarus/store/storetest"
)

func writeConfig(t *testing.T, dbURL string, extra ...string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "lazarus.conf")
	conf := "[DEFAULT]\nauth_strategy = noauth2\n[database]\nconnection = " + dbURL + "\nconnect_timeout = 2s\n[api]\nlisten = 127.0.0.1:0\nmetrics_listen =\nvalidate_compute_hosts = false\npolicy_file =\n"
	conf += strings.Join(extra, "\n") + "\n"
	require.NoError(t, os.WriteFile(p, []byte(conf), 0o600))
	return p
}

// freeAddr is a 127.0.0.1 address with a port free right now.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	return addr
}

// start runs serve in the background and returns the API address.
func start(t *testing.T, c *config.Config, path string) (string, func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan string, 1)
	done := make(chan error, 1)
	go func() { done <- serve(ctx, slog.New(slog.DiscardHandler), c, path, ready) }()
	select {
	case addr := <-ready:
		return addr, func() { cancel(); require.NoError(t, <-done) }
	case err := <-done:
		cancel()
		t.Fatalf("serve: %v", err)
	case <-time.After(30 * time.Second):
		cancel()
		t.Fatal("lazarus-api did not start")
	}
	return "", nil
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
	maddr := freeAddr(t)
	path := writeConfig(t, storetest.NewMigratedDatabase(t), "metrics_listen = "+maddr)
	c, err := config.Load(path, "database.connection")
	require.NoError(t, err)
	addr, stop := start(t, c, path)
	res, err := http.Get("http://" + addr + "/v1/segments")
	require.NoError(t, err)
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	require.Equal(t, 200, res.StatusCode, string(body))
	require.JSONEq(t, `{"segments": []}`, string(body))
	// /metrics is on [api] metrics_listen only, not on the API port.
	res, err = http.Get("http://" + addr + "/metrics")
	require.NoError(t, err)
	body, _ = io.ReadAll(res.Body)
	res.Body.Close()
	require.NotContains(t, string(body), "lazarus_api_requests_total")
	res, err = http.Get("http://" + maddr + "/metrics")
	require.NoError(t, err)
	body, _ = io.ReadAll(res.Body)
	res.Body.Close()
	require.Contains(t, string(body), `lazarus_api_requests_total{code="200",method="GET",route="/v1/segments"} 1`)
	stop()
}

// TestServeSilentDatabase covers issue #16 item 4: against a database
// port that accepts and never answers, lazarus-api hung at start with no
// log line. It must say what it waits for and give up after
// [database] connect_timeout.
func TestServeSilentDatabase(t *testing.T) {
	t.Parallel()
	addr := storetest.SilentAddr(t)
	path := writeConfig(t, "postgres://lazarus@"+addr+"/lazarus?sslmode=disable")
	c, err := config.Load(path, "database.connection")
	require.NoError(t, err)
	var logs bytes.Buffer
	done := make(chan error, 1)
	go func() { done <- serve(context.Background(), slog.New(slog.NewJSONHandler(&logs, nil)), c, path, nil) }()
	select {
	case err := <-done:
		require.ErrorContains(t, err, "connect_timeout")
	case <-time.After(60 * time.Second):
		t.Fatal("lazarus-api hangs on a silent database")
	}
	require.Contains(t, logs.String(), "connecting to database")
}

// TestSlowBodyIsCut covers issue #16 item 6: without a ReadTimeout a body
// sent at one byte a second held a connection for ever.
func TestSlowBodyIsCut(t *testing.T) {
	t.Parallel()
	path := writeConfig(t, storetest.NewMigratedDatabase(t), "read_timeout = 1s", "read_header_timeout = 1s")
	c, err := config.Load(path, "database.connection")
	require.NoError(t, err)
	addr, stop := start(t, c, path)
	defer stop()
	conn, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	defer conn.Close()
	_, err = io.WriteString(conn, "POST /v1/segments HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{")
	require.NoError(t, err)
	// Keep trickling until the server hangs up; a server without a
	// ReadTimeout never does (the loop gives up after a minute).
	closed := false
	buf := make([]byte, 4096)
	for range 60 {
		_ = conn.SetReadDeadline(time.Now().Add(time.Second))
		if _, err := conn.Read(buf); err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				if _, err := io.WriteString(conn, " "); err != nil {
					closed = true
					break
				}
				continue
			}
			closed = true
			break
		}
	}
	require.True(t, closed, "the server still holds the slow connection")
}

func TestMissingConnectionIsAConfigError(t *testing.T) {
	t.Parallel()
	p := filepath.Join(t.TempDir(), "lazarus.conf")
	require.NoError(t, os.WriteFile(p, []byte("[DEFAULT]\nauth_strategy = noauth2\n"), 0o600))
	require.Equal(t, 1, run([]string{"--config", p}))
}
