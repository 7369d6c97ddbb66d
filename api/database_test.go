package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/lazarus-ha/lazarus/api"
	"github.com/lazarus-ha/lazarus/store"
	"github.com/lazarus-ha/lazarus/store/storetest"
)

// lazyStore is a Store whose pool connects on first use to addr.
func lazyStore(t *testing.T, addr string) *store.Store {
	t.Helper()
	host, port, err := net.SplitHostPort(addr)
	require.NoError(t, err)
	cfg, err := pgxpool.ParseConfig(fmt.Sprintf("postgres://lazarus@%s:%s/lazarus?sslmode=disable", host, port))
	require.NoError(t, err)
	pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
	require.NoError(t, err)
	t.Cleanup(pool.Close)
	return store.New(pool)
}

// serveBounded serves one request, failing the test instead of hanging
// when the handler never returns.
func serveBounded(t *testing.T, h http.Handler, req *http.Request) *httptest.ResponseRecorder {
	t.Helper()
	w := httptest.NewRecorder()
	done := make(chan struct{})
	go func() {
		defer close(done)
		h.ServeHTTP(w, req)
	}()
	select {
	case <-done:
	case <-time.After(60 * time.Second):
		t.Fatalf("%s %s hangs: no server-side timeout", req.Method, req.URL)
	}
	return w
}

// TestDatabaseUnavailable covers issue #16 item 4: a refused database
// answered 500, a silent one made requests hang and /healthcheck said OK.
// Both must be 503 with Retry-After, within [api] request_timeout.
func TestDatabaseUnavailable(t *testing.T) {
	t.Parallel()
	for name, addr := range map[string]string{"refused": storetest.RefusedAddr(t), "silent": storetest.SilentAddr(t)} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			h := api.NewRouter(api.Deps{Store: lazyStore(t, addr), Auth: api.NoAuth{}, RequestTimeout: 500 * time.Millisecond})
			for _, path := range []string{"/v1/segments", "/v1/notifications", "/v1/segments/6b8a8d0e-6b38-4b4e-9d59-7a0f4f0f9c11/hosts"} {
				w := serveBounded(t, h, httptest.NewRequest("GET", path, nil))
				require.Equal(t, http.StatusServiceUnavailable, w.Code, "%s: %s", path, w.Body.String())
				require.NotEmpty(t, w.Header().Get("Retry-After"), path)
				var out map[string]map[string]any
				require.NoError(t, json.Unmarshal(w.Body.Bytes(), &out), w.Body.String())
				require.Equal(t, float64(503), out["serviceUnavailable"]["code"], w.Body.String())
			}
			w := serveBounded(t, h, httptest.NewRequest("GET", "/healthcheck", nil))
			require.Equal(t, http.StatusServiceUnavailable, w.Code, "/healthcheck reflects the database: %s", w.Body.String())
			require.NotEmpty(t, w.Header().Get("Retry-After"))
		})
	}
}

// TestHealthcheckWithDatabase checks that /healthcheck is 200 while the
// database answers.
func TestHealthcheckWithDatabase(t *testing.T) {
	t.Parallel()
	b := setup(t)
	code, body := call(t, b.h, "GET", "/healthcheck", "")
	require.Equal(t, http.StatusOK, code, body)
	require.Equal(t, "OK", body)
}
