package api

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/google/uuid"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/lazarus-ha/lazarus/fencing/secret"
	"github.com/lazarus-ha/lazarus/store"
)

// ComputeChecker tells whether Nova has a nova-compute service on a host
// (Masakari checks this when a host is created or renamed).
type ComputeChecker interface {
	ComputeServiceExists(ctx context.Context, host string) (bool, error)
}

// WorkflowDetailsReader gives a notification's recovery_workflow_details
// (microversion 1.1). The engine's store side implements it.
type WorkflowDetailsReader interface {
	RecoveryWorkflowDetails(ctx context.Context, notificationUUID string) ([]store.WorkflowDetail, error)
}

// Deps is what the API needs.
type Deps struct {
	Store *store.Store
	Log   *slog.Logger
	// Auth authenticates every /v1 request (NoAuth or a keystone one).
	Auth Authenticator
	// Policy decides who may call what; nil means Masakari's defaults.
	Policy *Policy
	// Compute, when not nil, vets host names against Nova.
	Compute ComputeChecker
	// Workflow, when not nil, fills recovery_workflow_details; nil gives [].
	Workflow WorkflowDetailsReader
	// Registry, when not nil, gets the request metrics. It is not served
	// here: lazarus-api serves it on its own [api] metrics_listen address,
	// so the public API port does not expose it.
	Registry *prometheus.Registry
	// MaxLimit is [DEFAULT] osapi_max_limit (default 1000).
	MaxLimit int
	// DuplicateWindow is [DEFAULT] duplicate_notification_detection_interval.
	DuplicateWindow time.Duration
	// MaxBodySize is [api] max_request_body_size in bytes (default 114688).
	MaxBodySize int64
	// LinkPrefix rewrites the version documents' links ([api] link_prefix).
	LinkPrefix string
	// FenceSecrets seals fence device passwords ([fencing] secret_key_file); nil refuses passwords (503).
	FenceSecrets *secret.Box
	// RequestTimeout bounds one v1 request (its database work, Keystone
	// and Nova calls) and the /healthcheck ping ([api] request_timeout,
	// default 15s); past it the request answers 503.
	RequestTimeout time.Duration
}

// API holds the handlers' dependencies.
type API struct {
	Deps
	metrics *metrics
	// segmentLists keeps encoded GET /v1/segments bodies (api/segments.go).
	segmentLists segmentListCache
}

// NewRouter returns the HTTP handler of lazarus-api: the version
// documents at /, the Masakari v1 API with and without a project prefix,
// and /healthcheck.
func NewRouter(d Deps) http.Handler {
	if d.Log == nil {
		d.Log = slog.New(slog.DiscardHandler)
	}
	if d.Policy == nil {
		p, err := NewPolicyFromRules(DefaultRules)
		if err != nil {
			panic("api: default policy does not parse: " + err.Error())
		}
		d.Policy = p
	}
	if d.MaxLimit <= 0 {
		d.MaxLimit = 1000
	}
	if d.MaxBodySize <= 0 {
		d.MaxBodySize = 114688
	}
	if d.RequestTimeout <= 0 {
		d.RequestTimeout = 15 * time.Second
	}
	if d.Auth == nil {
		panic("api: Deps.Auth is required")
	}
	var reg prometheus.Registerer
	if d.Registry != nil {
		reg = d.Registry
	}
	a := &API{Deps: d, metrics: newMetrics(reg)}

	r := chi.NewRouter()
	r.Use(a.requestID, a.accessLog, a.deadline)
	r.Get("/healthcheck", a.healthcheck)
	r.HandleFunc("/", a.versions)
	a.statusRoutes(r) // api/status.go: the operator status page at /status
	v1 := func(r chi.Router) {
		r.Use(a.stripFormat, a.limitBody, a.authenticate, a.checkQuery)
		r.NotFound(plainNotFound)
		r.MethodNotAllowed(plainNotFound)
		a.routes(r)
	}
	r.Route("/v1", v1)
	r.Route("/v1/{project_id:[0-9a-f-]+}", v1)
	// Any other path on the root application gets Masakari's 300
	// "choices" document.
	r.NotFound(a.versionChoices)
	r.MethodNotAllowed(a.versionChoices)
	return r
}

// routes registers the Masakari v1 resources. Each resource lists every
// action the Masakari router maps for it; an action Masakari's controller
// lacks answers 405 (nil handler).
func (a *API) routes(r chi.Router) {
	r.Get("/", a.v1(a.versionV1))
	r.Get("/versions/{id}", a.v1(a.versionV1ByID))

	a.resource(r, "/extensions", "{id}", collectionHandlers{index: a.extensionList, show: a.extensionShow})
	a.resource(r, "/segments", "{segment_id}", collectionHandlers{
		index: a.segmentList, create: a.segmentCreate, show: a.segmentShow, update: a.segmentUpdate, delete: a.segmentDelete,
		memberAction: true,
	})
	a.resource(r, "/segments/{segment_id}/hosts", "{host_id}", collectionHandlers{
		index: a.hostList, create: a.hostCreate, show: a.hostShow, update: a.hostUpdate, delete: a.hostDelete,
	})
	a.resource(r, "/notifications", "{notification_id}", collectionHandlers{
		index: a.notificationList, create: a.notificationCreate, show: a.notificationShow,
		memberAction: true,
	})
	a.resource(r, "/notifications/{notification_id}/vmoves", "{vmove_id}", collectionHandlers{
		index: a.vmoveList, show: a.vmoveShow,
	})
	a.fenceDeviceRoutes(r) // api/fence_devices.go
	// Lazarus extensions register here, one line each, e.g.
	//   a.fenceDeviceRoutes(r) // api/fence_devices.go: /segments/{segment_id}/hosts/{host_id}/fence_devices
	// using a.v1 (version, content type, body, project check), Decode,
	// a.authorize and WriteFault/WriteJSON like the handlers here.
}

// Handler is a v1 action: it returns the status and body of a success,
// or an error (*Fault for Masakari's error responses; anything else is a
// 500).
type Handler func(rq *Request) (int, any, error)

type collectionHandlers struct {
	index, create, show, update, delete Handler
	// memberAction: Masakari routes POST /{collection}/{id}/action (with
	// no controller method behind it: 405).
	memberAction bool
}

func (a *API) resource(r chi.Router, collection, member string, h collectionHandlers) {
	r.Get(collection, a.v1Action("index", h.index))
	r.Post(collection, a.v1Action("create", h.create))
	r.Get(collection+"/"+member, a.v1Action("show", h.show))
	r.Put(collection+"/"+member, a.v1Action("update", h.update))
	r.Delete(collection+"/"+member, a.v1Action("delete", h.delete))
	if h.memberAction {
		r.Post(collection+"/"+member+"/action", a.v1Action("action", nil))
	}
}

// Request is one v1 call as a handler sees it.
type Request struct {
	*http.Request
	// Version is the negotiated microversion.
	Version Version
	// Creds is the authenticated caller.
	Creds *Credentials
	// Body is the decoded JSON body of a POST or PUT (nil for an empty
	// body: Masakari validates it as None).
	Body any
}

// Fault is an error answered with Masakari's error body.
type Fault struct {
	Code    int
	Message string
}

func (f *Fault) Error() string { return fmt.Sprintf("%d %s", f.Code, f.Message) }

// Faultf builds a Fault.
func Faultf(code int, format string, args ...any) *Fault {
	return &Fault{Code: code, Message: fmt.Sprintf(format, args...)}
}

func (a *API) v1(h Handler) http.HandlerFunc { return a.v1Action("", h) }

// v1Action runs Masakari's Resource pipeline around h: microversion (400,
// 406), request content type (415), method presence (405), body (400
// "Malformed request body"), URL project versus token project (400), then
// the handler.
func (a *API) v1Action(action string, h Handler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		v, verr := requestVersion(r)
		if verr != nil {
			WriteFault(w, nil, verr.code, verr.msg)
			return
		}
		if ct := r.Header.Get("Content-Type"); ct != "" {
			mt, _, _ := strings.Cut(ct, ";")
			mt = strings.ToLower(strings.TrimSpace(mt))
			if mt != "" && mt != "text/plain" && mt != "application/json" && mt != "application/vnd.openstack.masakari+json" {
				WriteFault(w, &v, http.StatusUnsupportedMediaType, "Unsupported Content-Type")
				return
			}
		}
		if h == nil {
			WriteFault(w, &v, http.StatusMethodNotAllowed, fmt.Sprintf("The request method: '%s' with action: '%s' is not allowed on this resource", r.Method, action))
			return
		}
		rq := &Request{Request: r, Version: v, Creds: credsFrom(r.Context())}
		if r.Method == http.MethodPost || r.Method == http.MethodPut {
			data, err := io.ReadAll(r.Body)
			if err != nil {
				var mbe *http.MaxBytesError
				if errors.As(err, &mbe) {
					WriteFault(w, &v, http.StatusRequestEntityTooLarge, "Request is too large.")
					return
				}
				WriteFault(w, &v, http.StatusBadRequest, "Malformed request body")
				return
			}
			if len(data) > 0 || r.ContentLength != 0 {
				body, err := DecodeBody(data)
				if err != nil {
					WriteFault(w, &v, http.StatusBadRequest, bodyFault(err))
					return
				}
				rq.Body = body
			}
		}
		if pid := chi.URLParam(r, "project_id"); pid != "" && rq.Creds != nil && pid != rq.Creds.ProjectID {
			ctxPID := rq.Creds.ProjectID
			if ctxPID == "" {
				ctxPID = "None"
			}
			WriteFault(w, &v, http.StatusBadRequest, fmt.Sprintf("Malformed request URL: URL's project_id '%s' doesn't match Context's project_id '%s'", pid, ctxPID))
			return
		}
		code, body, err := h(rq)
		if err != nil {
			var f *Fault
			if errors.As(err, &f) {
				WriteFault(w, &v, f.Code, f.Message)
				return
			}
			if a.unavailable(w, r, &v, err) {
				return
			}
			a.Log.ErrorContext(r.Context(), "request failed", "err", err, "method", r.Method, "path", r.URL.Path, "request_id", requestIDFrom(r.Context()))
			WriteFault(w, &v, http.StatusInternalServerError, "Unexpected API Error. Please report this at https://bugs.launchpad.net/masakari/ and attach the Masakari API log if possible.\n<class 'lazarus.InternalError'>")
			return
		}
		WriteJSON(w, &v, code, body)
	}
}

// authorize is the policy check every handler makes (403 "Policy doesn't
// allow X to be performed.").
func (a *API) authorize(rq *Request, action string) error {
	target := map[string]string{"project_id": rq.Creds.ProjectID, "user_id": rq.Creds.UserID}
	if !a.Policy.Enforce(action, rq.Creds, target) {
		return Faultf(http.StatusForbidden, "Policy doesn't allow %s to be performed.", action)
	}
	return nil
}

// validate checks a body against a schema (400 with Masakari's message).
func validate(s schema, body any) error {
	if err := s.validate(body); err != nil {
		return Faultf(http.StatusBadRequest, "%s", err.detail())
	}
	return nil
}

// storeError maps store errors: not found 404, conflicts 409, invalid
// input 400, each with the store's Masakari message.
func storeError(err error) error {
	var se *store.Error
	var dup *store.DuplicateError
	switch {
	case errors.As(err, &dup):
		return Faultf(http.StatusConflict, "%s", dup.Message)
	case errors.As(err, &se) && errors.Is(err, store.ErrNotFound):
		return Faultf(http.StatusNotFound, "%s", se.Message)
	case errors.As(err, &se) && errors.Is(err, store.ErrConflict):
		return Faultf(http.StatusConflict, "%s", se.Message)
	case errors.As(err, &se) && errors.Is(err, store.ErrInvalid):
		return Faultf(http.StatusBadRequest, "%s", se.Message)
	}
	return err
}

// plainNotFound is webob's 404 for a URL no route matches (Masakari does
// not answer those with a JSON Fault).
func plainNotFound(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=UTF-8")
	w.WriteHeader(http.StatusNotFound)
	_, _ = io.WriteString(w, "404 Not Found\n\nThe resource could not be found.\n\n   ")
}

// stripFormat drops a ".json" (or ".xml") suffix, which Masakari's routes
// accept on every path; only JSON is served either way.
func (a *API) stripFormat(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for _, suffix := range []string{".json", ".xml"} {
			if p, ok := strings.CutSuffix(r.URL.Path, suffix); ok && !strings.HasSuffix(p, "/") {
				rctx := chi.RouteContext(r.Context())
				if rctx != nil && rctx.RoutePath != "" {
					rctx.RoutePath = strings.TrimSuffix(rctx.RoutePath, suffix)
				}
				r.URL.Path = p
				r.URL.RawPath = ""
				break
			}
		}
		next.ServeHTTP(w, r)
	})
}

// limitBody answers 413 for a declared body over MaxBodySize and caps
// the read of an undeclared one.
func (a *API) limitBody(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ContentLength > a.MaxBodySize {
			WriteFault(w, nil, http.StatusRequestEntityTooLarge, "Request is too large.")
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, a.MaxBodySize)
		next.ServeHTTP(w, r)
	})
}

type ctxKey int

const (
	credsKey ctxKey = iota
	requestIDKey
)

func credsFrom(ctx context.Context) *Credentials {
	c, _ := ctx.Value(credsKey).(*Credentials)
	return c
}

func requestIDFrom(ctx context.Context) string {
	s, _ := ctx.Value(requestIDKey).(string)
	return s
}

// requestID gives every response an x-openstack-request-id.
func (a *API) requestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := "req-" + uuid.NewString()
		w.Header().Set("x-openstack-request-id", id)
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), requestIDKey, id)))
	})
}
