package api_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lazarus-ha/lazarus/api"
	"github.com/lazarus-ha/lazarus/store"
	"github.com/lazarus-ha/lazarus/store/storetest"
)

// BenchmarkHandler measures one request through lazarus-api's whole
// handler (keystone auth with a validator that knows the token, policy,
// the store on the real PostgreSQL, the encoded body), without HTTP:
// the per-request CPU and allocations that wrk's figures are made of,
// steadier than req/s on a shared machine. Run with
//
//	go test -run '^$' -bench BenchmarkHandler -benchmem ./api/
func BenchmarkHandler(b *testing.B) {
	ctx := context.Background()
	s, err := store.Open(ctx, storetest.NewMigratedDatabase(b), 10)
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	var segs []string
	for i := range 100 {
		seg, err := s.SegmentInsert(ctx, &store.SegmentInsertParams{Name: fmt.Sprintf("segment-%03d", i), ServiceType: "COMPUTE", RecoveryMethod: "auto", Enabled: true})
		if err != nil {
			b.Fatal(err)
		}
		segs = append(segs, seg.UUID)
	}
	const hosts = 1000
	for i := range hosts {
		if _, err := s.HostInsert(ctx, &store.HostInsertParams{SegmentUUID: segs[i%len(segs)], Name: fmt.Sprintf("compute-%04d", i), Type: "COMPUTE", ControlAttributes: "SSH"}); err != nil {
			b.Fatal(err)
		}
	}
	h := api.NewRouter(api.Deps{Store: s, Auth: &api.KeystoneAuth{Validator: adminToken{}}, DuplicateWindow: 180 * time.Second})
	serve := func(b *testing.B, req *http.Request, want int) {
		req.Header.Set("X-Auth-Token", "admin-token")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != want {
			b.Fatalf("%s %s: %d %s", req.Method, req.URL, rec.Code, rec.Body)
		}
	}
	b.Run("GET_segments_100", func(b *testing.B) {
		for b.Loop() {
			serve(b, httptest.NewRequest("GET", "/v1/segments", nil), 200)
		}
	})
	var seq atomic.Int64
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	b.Run("POST_notifications_1000_hosts", func(b *testing.B) {
		for b.Loop() {
			n := seq.Add(1)
			body := fmt.Sprintf(`{"notification": {"type": "COMPUTE_HOST", "hostname": "compute-%04d", "generated_time": %q, "payload": {"event": "STOPPED", "host_status": "NORMAL", "cluster_status": "OFFLINE"}}}`,
				n%hosts, t0.Add(time.Duration(n/hosts)*200*time.Second).Format(time.RFC3339))
			req := httptest.NewRequest("POST", "/v1/notifications", strings.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			serve(b, req, 202)
		}
	})
}

// adminToken validates "admin-token" as an admin of project admin.
type adminToken struct{}

func (adminToken) ValidateToken(_ context.Context, tok string) (*api.Token, error) {
	if tok != "admin-token" {
		return nil, api.ErrUnauthorized
	}
	return &api.Token{UserID: "admin", ProjectID: "admin", Roles: []string{"admin"}}, nil
}
