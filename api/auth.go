package api

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
)

// Authenticator turns a request into the caller's credentials.
type Authenticator interface {
	// Authenticate returns the caller, ErrUnauthorized (401), or another
	// error (the identity service could not be asked: 503).
	Authenticate(ctx context.Context, r *http.Request) (*Credentials, error)
}

// ErrUnauthorized means the request carries no valid token.
var ErrUnauthorized = errors.New("unauthorized")

// NoAuth is auth_strategy = noauth2: every request is an admin, as in
// Masakari's NoAuthMiddleware. The project is taken from X-Project-Id (or
// X-Tenant-Id), the user from X-User-Id (default "admin"). Development
// only.
type NoAuth struct{}

// Authenticate implements Authenticator.
func (NoAuth) Authenticate(_ context.Context, r *http.Request) (*Credentials, error) {
	user := firstHeader(r, "X-User-Id", "X-User")
	if user == "" {
		user = "admin"
	}
	return &Credentials{
		UserID:    user,
		ProjectID: firstHeader(r, "X-Project-Id", "X-Tenant-Id", "X-Tenant"),
		Roles:     []string{"admin"},
		IsAdmin:   true,
	}, nil
}

func firstHeader(r *http.Request, names ...string) string {
	for _, n := range names {
		if v := r.Header.Get(n); v != "" {
			return v
		}
	}
	return ""
}

// Token is what a validated keystone token says about its bearer.
type Token struct {
	UserID    string
	ProjectID string
	Roles     []string
}

// TokenValidator validates a keystone token (openstack/keystone
// implements it with a cache); it returns ErrUnauthorized for a token
// keystone rejects.
type TokenValidator interface {
	ValidateToken(ctx context.Context, token string) (*Token, error)
}

// MaxTokenSize is the longest X-Auth-Token accepted, in bytes. Keystone's
// Fernet tokens are under 300 bytes and its PKI tokens (gone since Pike)
// stayed under 8 KB, keystonemiddleware's own header limit.
const MaxTokenSize = 8192

// KeystoneAuth is auth_strategy = keystone: X-Auth-Token validated
// against Keystone; admin is decided by the policy's context_is_admin
// rule (role:admin by default).
type KeystoneAuth struct {
	Validator TokenValidator
	// AuthURL is advertised in WWW-Authenticate on a 401.
	AuthURL string
}

// Authenticate implements Authenticator.
func (k *KeystoneAuth) Authenticate(ctx context.Context, r *http.Request) (*Credentials, error) {
	tok := r.Header.Get("X-Auth-Token")
	if tok == "" {
		tok = r.Header.Get("X-Storage-Token")
	}
	if tok == "" || len(tok) > MaxTokenSize {
		// An oversized token is no token Keystone issued: refused here,
		// without asking (or caching) anything.
		return nil, ErrUnauthorized
	}
	t, err := k.Validator.ValidateToken(ctx, tok)
	if err != nil {
		return nil, err
	}
	return &Credentials{UserID: t.UserID, ProjectID: t.ProjectID, Roles: t.Roles}, nil
}

// authenticate runs the Authenticator for every /v1 request.
func (a *API) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		creds, err := a.Auth.Authenticate(r.Context(), r)
		switch {
		case errors.Is(err, ErrUnauthorized):
			// keystonemiddleware's own 401 body.
			if ka, ok := a.Auth.(*KeystoneAuth); ok && ka.AuthURL != "" {
				w.Header().Set("WWW-Authenticate", fmt.Sprintf("Keystone uri=%q", ka.AuthURL))
			}
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = io.WriteString(w, `{"error": {"code": 401, "title": "Unauthorized", "message": "The request you have made requires authentication."}}`)
			return
		case err != nil && clientGone(r.Context()):
			// The client went away while Keystone was asked.
			w.WriteHeader(StatusClientClosedRequest)
			return
		case err != nil:
			a.Log.ErrorContext(r.Context(), "cannot validate token", "err", err, "request_id", requestIDFrom(r.Context()))
			w.Header().Set("Retry-After", strconv.Itoa(retryAfter))
			WriteFault(w, nil, http.StatusServiceUnavailable, "The server is currently unavailable. Please try again at a later time.")
			return
		}
		if _, noauth := a.Auth.(NoAuth); !noauth {
			creds.IsAdmin = a.Policy.IsAdmin(creds)
		}
		for i, role := range creds.Roles {
			creds.Roles[i] = strings.ToLower(role)
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), credsKey, creds)))
	})
}
