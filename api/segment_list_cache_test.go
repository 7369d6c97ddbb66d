package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/lazarus-ha/lazarus/api"
	"github.com/lazarus-ha/lazarus/store"
	"github.com/lazarus-ha/lazarus/store/storetest"
)

// TestSegmentListCacheAcrossReplicas runs two API replicas on one
// database. Each keeps its encoded segment lists; every change, made
// through the other replica or by hand in SQL, must show in the next list
// of both, and each replica's body must be byte-equal to a freshly
// encoded one.
func TestSegmentListCacheAcrossReplicas(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := storetest.NewStore(t)
	a := api.NewRouter(api.Deps{Store: s, Auth: api.NoAuth{}})
	b := api.NewRouter(api.Deps{Store: s, Auth: api.NoAuth{}})
	do := func(h http.Handler, method, path, body string, want int) string {
		t.Helper()
		var r io.Reader
		if body != "" {
			r = newReader(body)
		}
		req := httptest.NewRequest(method, path, r)
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		require.Equal(t, want, rec.Code, "%s %s: %s", method, path, rec.Body)
		return rec.Body.String()
	}
	names := func(h http.Handler, query string) []string {
		t.Helper()
		var out struct {
			Segments []struct {
				Name        string  `json:"name"`
				Description *string `json:"description"`
			} `json:"segments"`
		}
		require.NoError(t, json.Unmarshal([]byte(do(h, "GET", "/v1/segments"+query, "", 200)), &out))
		var ns []string
		for _, seg := range out.Segments {
			d := "-"
			if seg.Description != nil {
				d = *seg.Description
			}
			ns = append(ns, seg.Name+"="+d)
		}
		return ns
	}
	both := func(query string, want ...string) {
		t.Helper()
		for _, h := range []http.Handler{a, b} {
			require.Equal(t, want, names(h, query))
			// A second read (from the cache) is the same.
			require.Equal(t, want, names(h, query))
		}
	}
	both("")
	var uuids []string
	for i := range 3 {
		body := do(a, "POST", "/v1/segments", fmt.Sprintf(`{"segment": {"name": "s%d", "service_type": "COMPUTE", "recovery_method": "auto"}}`, i), 201)
		var seg struct {
			Segment struct{ UUID string } `json:"segment"`
		}
		require.NoError(t, json.Unmarshal([]byte(body), &seg))
		uuids = append(uuids, seg.Segment.UUID)
		// created_at has whole seconds: the id breaks the tie (newest first).
	}
	both("", "s2=-", "s1=-", "s0=-")
	both("?sort_key=name&sort_dir=asc", "s0=-", "s1=-", "s2=-")
	both("?limit=1", "s2=-")

	do(b, "PUT", "/v1/segments/"+uuids[1], `{"segment": {"description": "via b"}}`, 200)
	both("", "s2=-", "s1=via b", "s0=-")
	both("?sort_key=name&sort_dir=asc", "s0=-", "s1=via b", "s2=-")

	// By hand, as an operator in psql would: no store method involved,
	// and the same second as the row's last update.
	_, err := s.Pool().Exec(ctx, `UPDATE segments SET description = 'by hand' WHERE uuid = $1`, uuids[1])
	require.NoError(t, err)
	both("", "s2=-", "s1=by hand", "s0=-")
	_, err = s.Pool().Exec(ctx, `UPDATE segments SET name = 's0x' WHERE uuid = $1`, uuids[0])
	require.NoError(t, err)
	both("?sort_key=name&sort_dir=asc", "s0x=-", "s1=by hand", "s2=-")

	do(a, "DELETE", "/v1/segments/"+uuids[2], "", 204)
	both("", "s1=by hand", "s0x=-")
	both("?limit=1", "s1=by hand")

	// A notification share-locks its host's segment: the list is unchanged
	// and so is its body.
	h, err := s.HostInsert(ctx, &store.HostInsertParams{SegmentUUID: uuids[0], Name: "c1", Type: "COMPUTE", ControlAttributes: "SSH"})
	require.NoError(t, err)
	before := do(a, "GET", "/v1/segments", "", 200)
	do(b, "POST", "/v1/notifications", `{"notification": {"type": "COMPUTE_HOST", "hostname": "c1", "generated_time": "2026-01-01T00:00:00Z", "payload": {"event": "STOPPED", "host_status": "NORMAL", "cluster_status": "OFFLINE"}}}`, 202)
	require.Equal(t, before, do(a, "GET", "/v1/segments", "", 200))
	require.NotEmpty(t, h.UUID)

	// The cached body is the body a replica without a cache writes.
	_, err = s.Pool().Exec(ctx, `UPDATE segments SET description = 'é ☃' WHERE uuid = $1`, uuids[0])
	require.NoError(t, err)
	first := do(a, "GET", "/v1/segments", "", 200)
	require.Equal(t, first, do(a, "GET", "/v1/segments", "", 200))
	require.Equal(t, first, do(api.NewRouter(api.Deps{Store: s, Auth: api.NoAuth{}}), "GET", "/v1/segments", "", 200))
	require.Contains(t, first, `"description": "\u00e9 \u2603"`)
}

// TestSegmentListCacheConcurrentWrites reads lists from two replicas
// while a third changes a segment again and again: every list must show
// at least the change committed before its request began.
func TestSegmentListCacheConcurrentWrites(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := storetest.NewStore(t)
	seg, err := s.SegmentInsert(ctx, &store.SegmentInsertParams{Name: "s", ServiceType: "COMPUTE", RecoveryMethod: "auto", Description: ptrTo("0"), Enabled: true})
	require.NoError(t, err)
	for i := range 20 {
		_, err := s.SegmentInsert(ctx, &store.SegmentInsertParams{Name: fmt.Sprintf("other-%d", i), ServiceType: "COMPUTE", RecoveryMethod: "auto", Enabled: true})
		require.NoError(t, err)
	}
	replicas := []http.Handler{api.NewRouter(api.Deps{Store: s, Auth: api.NoAuth{}}), api.NewRouter(api.Deps{Store: s, Auth: api.NoAuth{}})}
	const writes = 60
	var committed atomic.Int64
	done := make(chan struct{})
	errs := make(chan error, 8)
	var wg sync.WaitGroup
	for r := range 4 {
		wg.Go(func() {
			h := replicas[r%2]
			for {
				select {
				case <-done:
					return
				default:
				}
				floor := committed.Load()
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, httptest.NewRequest("GET", "/v1/segments", nil))
				var out struct {
					Segments []struct {
						UUID        string `json:"uuid"`
						Description string `json:"description"`
					} `json:"segments"`
				}
				if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
					errs <- err
					return
				}
				for _, got := range out.Segments {
					if got.UUID != seg.UUID {
						continue
					}
					var v int64
					fmt.Sscan(got.Description, &v)
					if v < floor {
						errs <- fmt.Errorf("list shows change %d after change %d committed", v, floor)
						return
					}
				}
			}
		})
	}
	for i := int64(1); i <= writes; i++ {
		_, err := s.SegmentUpdate(ctx, &store.SegmentUpdateParams{UUID: seg.UUID, SetDescription: true, Description: ptrTo(fmt.Sprint(i))})
		require.NoError(t, err)
		committed.Store(i)
	}
	close(done)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func ptrTo[T any](v T) *T { return &v }
