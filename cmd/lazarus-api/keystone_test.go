package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/lazarus-ha/lazarus/cmd/internal/config"
	"github.com/lazarus-ha/lazarus/store/storetest"
)

// TestServeWithKeystone wires auth_strategy = keystone end to end: a fake
// Keystone v3 (service login, token validation), lazarus-api validating
// X-Auth-Token with the cache, and the default admin-only policy.
func TestServeWithKeystone(t *testing.T) {
	t.Parallel()
	var validations atomic.Int32
	exp := time.Now().Add(time.Hour).UTC().Format(time.RFC3339)
	ks := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch {
		case r.Method == http.MethodPost && r.URL.Path == "/v3/auth/tokens":
			w.Header().Set("X-Subject-Token", "svc")
			w.WriteHeader(http.StatusCreated)
			fmt.Fprintf(w, `{"token": {"expires_at": %q, "user": {"id": "lazarus"}, "catalog": []}}`, exp)
		case r.Method == http.MethodGet && r.URL.Path == "/v3/auth/tokens" && r.Header.Get("X-Auth-Token") == "svc":
			validations.Add(1)
			role := map[string]string{"admin-token": "admin", "member-token": "member"}[r.Header.Get("X-Subject-Token")]
			if role == "" {
				w.WriteHeader(http.StatusNotFound)
				return
			}
			fmt.Fprintf(w, `{"token": {"expires_at": %q, "user": {"id": "u"}, "project": {"id": "p"}, "roles": [{"name": %q}]}}`, exp, role)
		default:
			w.WriteHeader(http.StatusUnauthorized)
		}
	}))
	defer ks.Close()

	p := filepath.Join(t.TempDir(), "lazarus.conf")
	require.NoError(t, os.WriteFile(p, []byte(fmt.Sprintf(`[DEFAULT]
auth_strategy = keystone
[database]
connection = %s
[api]
listen = 127.0.0.1:0
metrics_listen =
validate_compute_hosts = false
policy_file =
[keystone_authtoken]
auth_url = %s/v3
password = secret
`, storetest.NewMigratedDatabase(t), ks.URL)), 0o600))
	c, err := config.Load(p, "database.connection")
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ready := make(chan string, 1)
	done := make(chan error, 1)
	go func() { done <- serve(ctx, slog.New(slog.DiscardHandler), c, p, ready) }()
	var addr string
	select {
	case addr = <-ready:
	case err := <-done:
		t.Fatalf("serve: %v", err)
	}
	get := func(token string) int {
		req, err := http.NewRequest("GET", "http://"+addr+"/v1/segments", nil)
		require.NoError(t, err)
		if token != "" {
			req.Header.Set("X-Auth-Token", token)
		}
		res, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		_, _ = io.Copy(io.Discard, res.Body)
		res.Body.Close()
		return res.StatusCode
	}
	require.Equal(t, 401, get(""))
	require.Equal(t, 401, get("forged"))
	require.Equal(t, 403, get("member-token"))
	for range 5 {
		require.Equal(t, 200, get("admin-token"))
	}
	require.EqualValues(t, 3, validations.Load(), "each token validated once, then cached")
	cancel()
	require.NoError(t, <-done)
}
