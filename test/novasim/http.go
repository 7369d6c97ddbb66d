package novasim

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// computeRoot is where the compute API is mounted.
const computeRoot = "/compute/v2.1"

// maxBody is the largest request body read.
const maxBody = 1 << 20

// call is what every compute handler gets besides the request.
type call struct {
	mv      int // microversion minor (major is always 2)
	body    []byte
	project string
}

func (s *Sim) routes() {
	m := http.NewServeMux()
	m.HandleFunc("GET /{$}", s.identityVersions)
	m.HandleFunc("GET /v3", s.identityV3)
	m.HandleFunc("GET /v3/{$}", s.identityV3)
	m.HandleFunc("POST /v3/auth/tokens", s.issueToken)
	m.HandleFunc("GET /v3/auth/tokens", s.validateToken)

	m.HandleFunc("GET /compute/{$}", s.computeVersions)
	m.HandleFunc("GET "+computeRoot, s.computeVersion)
	m.HandleFunc("GET "+computeRoot+"/{$}", s.computeVersion)
	m.HandleFunc("GET "+computeRoot+"/os-services", s.api(s.listServices))
	m.HandleFunc("PUT "+computeRoot+"/os-services/{id}", s.api(s.updateService))
	m.HandleFunc("GET "+computeRoot+"/servers/detail", s.api(s.listServers))
	m.HandleFunc("GET "+computeRoot+"/servers/{id}", s.api(s.getServer))
	m.HandleFunc("POST "+computeRoot+"/servers/{id}/action", s.api(s.serverAction))
	m.HandleFunc("GET "+computeRoot+"/os-migrations", s.api(s.listMigrations))
	m.HandleFunc("GET "+computeRoot+"/os-hypervisors/detail", s.api(s.listHypervisors))
	m.HandleFunc("GET "+computeRoot+"/os-aggregates", s.api(s.listAggregates))
	m.HandleFunc("GET "+computeRoot+"/os-aggregates/{id}", s.api(s.getAggregate))
	m.HandleFunc("POST "+computeRoot+"/os-aggregates/{id}/action", s.api(s.aggregateAction))
	m.HandleFunc("GET "+computeRoot+"/os-server-groups", s.api(s.listServerGroups))
	s.placementRoutes(m)
	s.mux = m
}

// api wraps a compute handler: token check, microversion, request record,
// injected faults. The handler runs with s.mu held.
func (s *Sim) api(fn func(w http.ResponseWriter, r *http.Request, c *call)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(io.LimitReader(r.Body, maxBody))
		if err != nil {
			novaError(w, http.StatusBadRequest, "Cannot read the request body.")
			return
		}
		mvHeader, mv, ok := parseMicroversion(r.Header, s.opts.MaxMicroversion)
		if mvHeader == "" {
			mv = s.opts.MinMicroversion // Nova serves its minimum without a header
		}
		if !ok || mv < s.opts.MinMicroversion {
			novaError(w, http.StatusNotAcceptable, fmt.Sprintf("Version %s is not supported by the API. Minimum is 2.%d and maximum is 2.%d.", mvHeader, s.opts.MinMicroversion, s.opts.MaxMicroversion))
			return
		}
		rel := strings.TrimPrefix(r.URL.Path, computeRoot)

		s.mu.Lock()
		latency := s.opts.APILatency
		s.mu.Unlock()
		if latency > 0 {
			t := time.NewTimer(latency)
			select {
			case <-t.C:
			case <-r.Context().Done():
				t.Stop()
				return // the client gave up
			}
		}

		s.mu.Lock()
		defer s.mu.Unlock()
		if s.opts.RecordRequests {
			s.requests = append(s.requests, Request{
				Method: r.Method, Path: rel, RawQuery: r.URL.RawQuery, Body: body, Microversion: mvHeader,
			})
		}
		tok, ok := s.tokens[r.Header.Get("X-Auth-Token")]
		if !ok || time.Now().After(tok.expires) {
			w.Header().Set("WWW-Authenticate", "Keystone uri=\"/v3\"")
			writeJSON(w, http.StatusUnauthorized, map[string]any{"error": map[string]any{
				"code": 401, "title": "Unauthorized", "message": "The request you have made requires authentication.",
			}})
			return
		}
		if f := s.matchFault(r.Method, rel, body); f != nil {
			novaError(w, f.Status, f.Message)
			return
		}
		w.Header().Set("OpenStack-API-Version", fmt.Sprintf("compute 2.%d", mv))
		w.Header().Set("X-OpenStack-Nova-API-Version", fmt.Sprintf("2.%d", mv))
		w.Header().Set("Vary", "OpenStack-API-Version, X-OpenStack-Nova-API-Version")
		fn(w, r, &call{mv: mv, body: body, project: tok.projectID})
	}
}

// matchFault returns the first fault matching the request and uses it up.
func (s *Sim) matchFault(method, rel string, body []byte) *Fault {
	for i, f := range s.faults {
		if f.Method != "" && f.Method != method {
			continue
		}
		if f.Path != "" && !strings.HasPrefix(rel, f.Path) {
			continue
		}
		if f.Action != "" && actionName(body) != f.Action {
			continue
		}
		if f.Times > 0 {
			f.Times--
			if f.Times == 0 {
				s.faults = append(s.faults[:i:i], s.faults[i+1:]...)
			}
		}
		return f
	}
	return nil
}

// actionName is the single key of an action body, or "".
func actionName(body []byte) string {
	var m map[string]json.RawMessage
	if json.Unmarshal(body, &m) != nil || len(m) != 1 {
		return ""
	}
	for k := range m {
		return k
	}
	return ""
}

// parseMicroversion reads the compute microversion headers. A missing
// header means 2.1; "latest" means maxMinor.
func parseMicroversion(h http.Header, maxMinor int) (raw string, minor int, ok bool) {
	raw = ""
	if v := h.Get("OpenStack-API-Version"); v != "" {
		for _, part := range strings.Split(v, ",") {
			f := strings.Fields(part)
			if len(f) == 2 && strings.EqualFold(f[0], "compute") {
				raw = f[1]
			}
		}
	}
	if raw == "" {
		raw = h.Get("X-OpenStack-Nova-API-Version")
	}
	switch {
	case raw == "":
		return "", 1, true
	case strings.EqualFold(raw, "latest"):
		return raw, maxMinor, true
	}
	major, minorStr, found := strings.Cut(raw, ".")
	if !found || major != "2" {
		return raw, 0, false
	}
	n, err := strconv.Atoi(minorStr)
	if err != nil || n < 1 || n > maxMinor {
		return raw, 0, false
	}
	return raw, n, true
}

// faultNames are Nova's error body keys by status.
var faultNames = map[int]string{
	400: "badRequest",
	403: "forbidden",
	404: "itemNotFound",
	406: "computeFault", // sic: Nova names its 406 body so
	409: "conflictingRequest",
	413: "overLimit",
	500: "computeFault",
	503: "serviceUnavailable",
}

// novaError writes Nova's error body: {"badRequest": {"code": 400, "message": "..."}}.
func novaError(w http.ResponseWriter, code int, msg string) {
	name, ok := faultNames[code]
	if !ok {
		name = "computeFault"
	}
	writeJSON(w, code, map[string]any{name: map[string]any{"code": code, "message": msg}})
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	var buf bytes.Buffer
	if err := json.NewEncoder(&buf).Encode(v); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(code)
	_, _ = w.Write(buf.Bytes())
}

// baseURL is the scheme and host the client used to reach the simulator.
func baseURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// computeVersions is GET /compute/: Nova's version list.
func (s *Sim) computeVersions(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusMultipleChoices, map[string]any{"versions": []any{s.versionDoc(r)}})
}

// computeVersion is GET /compute/v2.1/: the version document from which
// clients learn the supported microversions. It needs no token.
func (s *Sim) computeVersion(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{"version": s.versionDoc(r)})
}

func (s *Sim) versionDoc(r *http.Request) map[string]any {
	return map[string]any{
		"id": "v2.1", "status": "CURRENT", "version": fmt.Sprintf("2.%d", s.opts.MaxMicroversion), "min_version": fmt.Sprintf("2.%d", s.opts.MinMicroversion),
		"updated": "2013-07-23T11:33:21Z",
		"links":   []any{map[string]string{"rel": "self", "href": baseURL(r) + computeRoot + "/"}},
	}
}
