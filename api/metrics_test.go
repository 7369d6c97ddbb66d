package api_test

import (
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/require"

	"github.com/lazarus-ha/lazarus/api"
)

// TestMetricLabelsBounded covers issue #16 item 3: made-up HTTP methods
// and paths must not add series (20,000 of them took the RSS from 24 to
// 85 MB), and /metrics is not served on the API port.
func TestMetricLabelsBounded(t *testing.T) {
	t.Parallel()
	reg := prometheus.NewRegistry()
	h := api.NewRouter(api.Deps{Auth: api.NoAuth{}, Registry: reg})
	for i := range 300 {
		req := httptest.NewRequest("GET", "/x"+strconv.Itoa(i), nil)
		req.Method = "M" + strconv.Itoa(i)
		h.ServeHTTP(httptest.NewRecorder(), req)
		req = httptest.NewRequest("GET", "/v1/no/such/route/"+strconv.Itoa(i), nil)
		h.ServeHTTP(httptest.NewRecorder(), req)
	}
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/healthcheck", nil))
	families, err := reg.Gather()
	require.NoError(t, err)
	methods, routes := map[string]bool{}, map[string]bool{}
	series := 0
	for _, fam := range families {
		if fam.GetName() != "lazarus_api_requests_total" {
			continue
		}
		for _, m := range fam.GetMetric() {
			series++
			for _, l := range m.GetLabel() {
				switch l.GetName() {
				case "method":
					methods[l.GetValue()] = true
				case "route":
					routes[l.GetValue()] = true
				}
			}
		}
	}
	require.LessOrEqual(t, series, 10, "labels are bounded: methods %v routes %v", methods, routes)
	require.True(t, methods["other"], "an unknown method is counted as other")
	require.True(t, methods["GET"])
	for r := range routes {
		require.NotContains(t, r, "/x1", "a path is never a route label")
	}

	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("GET", "/metrics", nil))
	require.NotEqual(t, http.StatusOK, w.Code, "/metrics is served on [api] metrics_listen, not the API port")
	require.NotContains(t, w.Body.String(), "lazarus_api_requests_total")
}
