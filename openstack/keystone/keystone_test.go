package keystone

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// fakeKeystone issues the service token and knows user tokens.
type fakeKeystone struct {
	gets  atomic.Int32
	users map[string]string // token -> role
	exp   time.Time
}

func (f *fakeKeystone) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	switch {
	case r.Method == http.MethodPost && r.URL.Path == "/v3/auth/tokens":
		w.Header().Set("X-Subject-Token", "svc-token")
		w.WriteHeader(http.StatusCreated)
		fmt.Fprintf(w, `{"token": {"expires_at": %q, "methods": ["password"], "user": {"id": "svc"}, "catalog": []}}`, f.exp.Format(time.RFC3339))
	case r.Method == http.MethodGet && r.URL.Path == "/v3/auth/tokens":
		f.gets.Add(1)
		if r.Header.Get("X-Auth-Token") != "svc-token" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		role, ok := f.users[r.Header.Get("X-Subject-Token")]
		if !ok {
			w.WriteHeader(http.StatusNotFound)
			_, _ = w.Write([]byte(`{"error": {"code": 404, "message": "Could not find token", "title": "Not Found"}}`))
			return
		}
		fmt.Fprintf(w, `{"token": {"expires_at": %q, "user": {"id": "u1", "name": "alice"}, "project": {"id": "p1", "name": "demo"}, "roles": [{"id": "r", "name": %q}]}}`, f.exp.Format(time.RFC3339), role)
	default:
		w.WriteHeader(http.StatusNotFound)
	}
}

func TestValidatorCachesByTokenHash(t *testing.T) {
	t.Parallel()
	fk := &fakeKeystone{users: map[string]string{"good": "admin"}, exp: time.Now().Add(time.Hour).UTC()}
	srv := httptest.NewServer(fk)
	defer srv.Close()
	ctx := context.Background()
	v, err := New(ctx, Config{AuthURL: srv.URL + "/v3", Username: "lazarus", Password: "secret", ProjectName: "service", UserDomainName: "Default", ProjectDomainName: "Default", CacheTTL: 5 * time.Minute})
	require.NoError(t, err)
	clock := time.Now()
	v.now = func() time.Time { return clock }

	for range 5 {
		info, err := v.Validate(ctx, "good")
		require.NoError(t, err)
		require.Equal(t, "u1", info.UserID)
		require.Equal(t, "p1", info.ProjectID)
		require.Equal(t, []string{"admin"}, info.Roles)
	}
	require.EqualValues(t, 1, fk.gets.Load(), "validated once, then served from the cache")
	for range 3 {
		_, err = v.Validate(ctx, "bad")
		require.ErrorIs(t, err, ErrInvalidToken)
	}
	require.EqualValues(t, 2, fk.gets.Load(), "invalid tokens are cached briefly too")

	// Past the TTL, Keystone is asked again (a revoked token stops working).
	clock = clock.Add(6 * time.Minute)
	delete(fk.users, "good")
	_, err = v.Validate(ctx, "good")
	require.ErrorIs(t, err, ErrInvalidToken)
	require.EqualValues(t, 3, fk.gets.Load())
	for k := range v.cache {
		require.Len(t, k, 32, "only hashes are kept")
	}
}

func TestValidatorNeverTrustsPastExpiry(t *testing.T) {
	t.Parallel()
	fk := &fakeKeystone{users: map[string]string{"good": "member"}, exp: time.Now().Add(time.Minute).UTC().Truncate(time.Second)}
	srv := httptest.NewServer(fk)
	defer srv.Close()
	ctx := context.Background()
	v, err := New(ctx, Config{AuthURL: srv.URL + "/v3", Username: "lazarus", Password: "secret", ProjectName: "service", UserDomainName: "Default", ProjectDomainName: "Default", CacheTTL: time.Hour})
	require.NoError(t, err)
	clock := time.Now()
	v.now = func() time.Time { return clock }
	_, err = v.Validate(ctx, "good")
	require.NoError(t, err)
	clock = fk.exp.Add(time.Second) // the token expired before the cache TTL
	_, err = v.Validate(ctx, "good")
	require.ErrorIs(t, err, ErrInvalidToken)
	require.EqualValues(t, 2, fk.gets.Load())
}
