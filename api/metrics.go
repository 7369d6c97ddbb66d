package api

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/prometheus/client_golang/prometheus"
)

type metrics struct {
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
}

func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "lazarus_api_requests_total",
			Help: "API requests by method, route pattern and status code.",
		}, []string{"method", "route", "code"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "lazarus_api_request_duration_seconds",
			Help:    "API request latency by method, route pattern and status code.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
		}, []string{"method", "route", "code"}),
	}
	if reg != nil {
		reg.MustRegister(m.requests, m.latency)
	}
	return m
}

type statusWriter struct {
	http.ResponseWriter
	code  int
	bytes int
}

func (s *statusWriter) WriteHeader(code int) {
	if s.code == 0 {
		s.code = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusWriter) Write(b []byte) (int, error) {
	if s.code == 0 {
		s.code = http.StatusOK
	}
	n, err := s.ResponseWriter.Write(b)
	s.bytes += n
	return n, err
}

// metricMethod is the method label: the methods HTTP defines, anything
// else "other", so a client inventing methods cannot add series.
func metricMethod(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodOptions, http.MethodConnect, http.MethodTrace:
		return m
	}
	return "other"
}

// accessLog writes one JSON line per request and feeds the metrics. Every
// label is bounded: the route label is chi's pattern (or "unmatched"), so
// ids and made-up paths do not explode the label space; the method label
// is one of HTTP's methods or "other"; the code is the status.
func (a *API) accessLog(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		next.ServeHTTP(sw, r)
		if sw.code == 0 {
			sw.code = http.StatusOK
		}
		d := time.Since(start)
		route := "unmatched"
		if rc := chi.RouteContext(r.Context()); rc != nil && rc.RoutePattern() != "" {
			route = rc.RoutePattern()
		}
		code := strconv.Itoa(sw.code)
		method := metricMethod(r.Method)
		a.metrics.requests.WithLabelValues(method, route, code).Inc()
		a.metrics.latency.WithLabelValues(method, route, code).Observe(d.Seconds())
		a.Log.InfoContext(r.Context(), "request",
			"method", r.Method, "path", r.URL.Path, "query", redactQuery(r.URL.RawQuery), "route", route, "status", sw.code,
			"bytes", sw.bytes, "duration", d, "remote", r.RemoteAddr,
			"request_id", requestIDFrom(r.Context()), "microversion", r.Header.Get(versionHeader))
	})
}

// redactQuery hides the values of query parameters that look like
// credentials (token, X-Auth-Token, password, secret, ...), so a client
// that puts its token in the URL does not put it in the access log.
func redactQuery(q string) string {
	if q == "" {
		return q
	}
	var b strings.Builder
	for i, part := range strings.FieldsFunc(q, func(r rune) bool { return r == '&' || r == ';' }) {
		if i > 0 {
			b.WriteByte('&')
		}
		k, _, hasValue := strings.Cut(part, "=")
		name, err := url.QueryUnescape(k)
		if err != nil {
			name = k
		}
		name = strings.ToLower(name)
		if hasValue && (strings.Contains(name, "token") || strings.Contains(name, "passw") || strings.Contains(name, "secret") ||
			strings.Contains(name, "credential")) {
			b.WriteString(k + "=***")
			continue
		}
		b.WriteString(part)
	}
	return b.String()
}
