package api

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strconv"

	"github.com/lazarus-ha/lazarus/store"
)

// StatusClientClosedRequest is what the access log and the metrics record
// for a request whose client went away before the answer (nginx's 499);
// nothing is sent.
const StatusClientClosedRequest = 499

// retryAfter is the Retry-After of a 503, in seconds.
const retryAfter = 5

// errRequestTimeout is the cause of a request context that ran out of
// [api] request_timeout.
var errRequestTimeout = errors.New("the request ran longer than [api] request_timeout")

// clientGone reports whether the request's context ended because the
// client went away, not because it ran out of RequestTimeout.
func clientGone(ctx context.Context) bool {
	return ctx.Err() != nil && !errors.Is(context.Cause(ctx), errRequestTimeout)
}

// deadline bounds each request (v1, /status) by RequestTimeout, so a silent database
// (or Keystone, or Nova) gives a 503 instead of a hanging request.
func (a *API) deadline(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeoutCause(r.Context(), a.RequestTimeout, errRequestTimeout)
		defer cancel()
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// unavailable answers a handler error that is not the request's fault and
// not a bug: the client went away (499, nothing logged as an error), or
// the database is unreachable or too slow (503 with Retry-After). It
// reports whether it answered.
func (a *API) unavailable(w http.ResponseWriter, r *http.Request, v *Version, err error) bool {
	ctx := r.Context()
	timedOut := errors.Is(context.Cause(ctx), errRequestTimeout)
	switch {
	case clientGone(ctx):
		// The client's connection closed: nobody reads the answer.
		a.Log.DebugContext(ctx, "client closed the request", "method", r.Method, "path", r.URL.Path, "request_id", requestIDFrom(ctx))
		w.WriteHeader(StatusClientClosedRequest)
		return true
	case timedOut || store.IsUnavailable(err):
		a.Log.WarnContext(ctx, "database unavailable", "err", err, "method", r.Method, "path", r.URL.Path, "request_id", requestIDFrom(ctx))
		w.Header().Set("Retry-After", strconv.Itoa(retryAfter))
		WriteFault(w, v, http.StatusServiceUnavailable, "The server is currently unavailable. Please try again at a later time.")
		return true
	}
	return false
}

// healthcheck answers 200 "OK" while the database answers a ping within
// RequestTimeout, else 503 (load balancers take the replica out).
func (a *API) healthcheck(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain")
	if a.Store != nil {
		ctx, cancel := context.WithTimeout(r.Context(), a.RequestTimeout)
		defer cancel()
		if err := a.Store.Ping(ctx); err != nil {
			if clientGone(r.Context()) {
				w.WriteHeader(StatusClientClosedRequest)
				return
			}
			a.Log.WarnContext(r.Context(), "healthcheck: database unavailable", "err", err)
			w.Header().Set("Retry-After", strconv.Itoa(retryAfter))
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = io.WriteString(w, "database unavailable")
			return
		}
	}
	_, _ = io.WriteString(w, "OK")
}
