package api_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/lazarus-ha/lazarus/api"
	"github.com/lazarus-ha/lazarus/store"
	"github.com/lazarus-ha/lazarus/store/storetest"
)

// FuzzQueryParams sends any query string to every list endpoint, on a real
// database: the answer is never a 500, and an error is Masakari's JSON
// Fault (issue #16 item 2).
func FuzzQueryParams(f *testing.F) {
	for _, s := range []string{
		"", "recovery_method=%00", "service_type=%C0%80", "type=%00", "status=%00", "limit=1&marker=1",
		"sort_key=name&sort_dir=asc", "sort_key=%00", "enabled=maybe", "on_maintenance=1&reserved=0",
		"generated-since=2026-01-02T03:04:05", "generated-since=%ff", "source_host_uuid=x&type=VM",
		"limit=99999999999999999999", "marker=-1", "%zz=1", "a=%", "limit=1;marker=2", "page_size=%00",
	} {
		f.Add(s)
	}
	st := storetest.NewStore(f)
	ctx := context.Background()
	seg, err := st.SegmentInsert(ctx, &store.SegmentInsertParams{Name: "seg", ServiceType: "COMPUTE", RecoveryMethod: "auto", Enabled: true})
	if err != nil {
		f.Fatal(err)
	}
	host, err := st.HostInsert(ctx, &store.HostInsertParams{SegmentUUID: seg.UUID, Name: "compute-1", Type: "COMPUTE", ControlAttributes: "SSH"})
	if err != nil {
		f.Fatal(err)
	}
	h := api.NewRouter(api.Deps{Store: st, Auth: api.NoAuth{}})
	paths := []string{
		"/v1/segments",
		"/v1/segments/" + seg.UUID + "/hosts",
		"/v1/notifications",
		"/v1/segments/" + seg.UUID + "/hosts/" + host.UUID + "/fence_devices",
	}
	f.Fuzz(func(t *testing.T, query string) {
		if strings.ContainsAny(query, "# \t\r\n") {
			// Not one request line: the HTTP server would refuse it first.
			return
		}
		for _, p := range paths {
			req := httptest.NewRequest("GET", "/", nil)
			req.URL.Path = p
			req.URL.RawQuery = query
			req.RequestURI = p + "?" + query
			w := httptest.NewRecorder()
			h.ServeHTTP(w, req)
			if w.Code >= 500 {
				t.Fatalf("GET %s?%s: %d %s", p, query, w.Code, w.Body.String())
			}
			if w.Code >= 400 {
				var fault map[string]map[string]any
				if err := json.Unmarshal(w.Body.Bytes(), &fault); err != nil || len(fault) != 1 {
					t.Fatalf("GET %s?%s: %d without a Masakari Fault: %s", p, query, w.Code, w.Body.String())
				}
			}
			if w.Code != http.StatusOK && w.Code != http.StatusBadRequest {
				t.Fatalf("GET %s?%s: unexpected %d %s", p, query, w.Code, w.Body.String())
			}
		}
	})
}
