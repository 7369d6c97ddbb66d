package api_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/require"

	"github.com/lazarus-ha/lazarus/api"
	"github.com/lazarus-ha/lazarus/store/storetest"
)

// countingValidator stands for Keystone: it counts calls, accepts "good"
// and fails like Keystone's front end does on a token too large for it.
type countingValidator struct{ calls atomic.Int64 }

func (c *countingValidator) ValidateToken(_ context.Context, token string) (*api.Token, error) {
	c.calls.Add(1)
	if len(token) > 8192 {
		return nil, errors.New("keystone: 400 Bad Request: header too large")
	}
	if token != "good" {
		return nil, api.ErrUnauthorized
	}
	return &api.Token{UserID: "u", ProjectID: "p", Roles: []string{"admin"}}, nil
}

// lockedBuffer is a log sink safe for concurrent writes.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestOversizedTokenIs401 covers issue #16 item 6: a token of 64 KB gave
// a 503 and an ERROR line per request. Over 8 KB it is refused with 401
// before Keystone is asked (so nothing is cached for it).
func TestOversizedTokenIs401(t *testing.T) {
	t.Parallel()
	logs := &lockedBuffer{}
	v := &countingValidator{}
	h := api.NewRouter(api.Deps{
		Store: storetest.NewStore(t), Auth: &api.KeystoneAuth{Validator: v},
		Log: slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	})
	for _, n := range []int{8193, 64 << 10} {
		req := httptest.NewRequest("GET", "/v1/segments", nil)
		req.Header.Set("X-Auth-Token", strings.Repeat("a", n))
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		require.Equal(t, http.StatusUnauthorized, w.Code, "%d bytes: %s", n, w.Body.String())
	}
	require.Zero(t, v.calls.Load(), "Keystone is not asked about an oversized token")
	require.NotContains(t, logs.String(), `"level":"ERROR"`)

	req := httptest.NewRequest("GET", "/v1/segments", nil)
	req.Header.Set("X-Auth-Token", "good")
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
}

// TestClientDisconnectIsNot500 covers issue #16 item 6: a client that
// went away was logged as "ERROR ... 500" and counted as a 500.
func TestClientDisconnectIsNot500(t *testing.T) {
	t.Parallel()
	logs := &lockedBuffer{}
	reg := prometheus.NewRegistry()
	h := api.NewRouter(api.Deps{
		Store: storetest.NewStore(t), Auth: api.NoAuth{}, Registry: reg,
		Log: slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	})
	for _, path := range []string{"/v1/segments", "/v1/notifications"} {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		req := httptest.NewRequest("GET", path, nil).WithContext(ctx)
		h.ServeHTTP(httptest.NewRecorder(), req)
	}
	require.NotContains(t, logs.String(), `"level":"ERROR"`)
	require.Contains(t, logs.String(), `"status":499`)
	require.Zero(t, testutil.ToFloat64(counter(t, reg, "500")), "no 500 counted")
	require.Equal(t, 2.0, testutil.ToFloat64(counter(t, reg, "499")))
}

// counter sums lazarus_api_requests_total for a code.
func counter(t *testing.T, reg *prometheus.Registry, code string) prometheus.Collector {
	t.Helper()
	fams, err := reg.Gather()
	require.NoError(t, err)
	sum := 0.0
	for _, f := range fams {
		if f.GetName() != "lazarus_api_requests_total" {
			continue
		}
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "code" && l.GetValue() == code {
					sum += m.GetCounter().GetValue()
				}
			}
		}
	}
	g := prometheus.NewGauge(prometheus.GaugeOpts{Name: "sum"})
	g.Set(sum)
	return g
}

// TestAccessLogRedactsTokens covers issue #16 item 6: a token given in
// the query string landed in the access log.
func TestAccessLogRedactsTokens(t *testing.T) {
	t.Parallel()
	logs := &lockedBuffer{}
	h := api.NewRouter(api.Deps{
		Store: storetest.NewStore(t), Auth: api.NoAuth{},
		Log: slog.New(slog.NewJSONHandler(logs, nil)),
	})
	for _, q := range []string{"token=gAAAAsecret1", "X-Auth-Token=gAAAAsecret2&limit=1", "limit=1&auth_token=gAAAAsecret3", "password=gAAAAsecret4", "x=1;token=gAAAAsecret5"} {
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/v1/segments?"+q, nil))
	}
	out := logs.String()
	require.NotContains(t, out, "gAAAAsecret")
	require.Contains(t, out, "limit=1", "the rest of the query is kept")
}
