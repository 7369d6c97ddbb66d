package api

import (
	"context"
	"embed"
	"encoding/json"
	"errors"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/lazarus-ha/lazarus/store"
)

// The operator status page: a read-only, server-rendered view of segments
// and hosts (fence readiness, monitor heartbeat age, maintenance and its
// reason), holds with how to release them, and the running and recent
// recoveries with their step timeline and per-instance moves. The page
// polls its own live part (an HTML fragment) every few seconds; the same
// data is served as JSON for scripts.
//
//	GET  /status               the page (?part=live: only the live fragment)
//	GET  /status/state.json    the same data as JSON
//	GET  /status/login         the login form (keystone only)
//	POST /status/login         username/password (asked of Keystone by lazarus-api) or a token
//	POST /status/logout        forget the token cookie
//	GET  /status/static/...    the page's CSS and JavaScript
//
// Authentication is the API's: an X-Auth-Token header, or the token the
// login form put in the lazarus_token cookie (HttpOnly, SameSite=Strict,
// path /status), validated by the same Authenticator; policy rule
// lazarus_api:status:index (admin by default).

func init() {
	DefaultRules["lazarus_api:status:index"] = "rule:admin_api"
}

// statusCookie holds a keystone token for the status page.
const statusCookie = "lazarus_token"

// statusPollInterval is how often the page refreshes its live part.
const statusPollInterval = 2 * time.Second

//go:embed status
var statusFiles embed.FS

var statusTemplates = template.Must(template.New("status").Funcs(template.FuncMap{}).ParseFS(statusFiles, "status/*.html"))

// PasswordLogin is the optional ability of an Authenticator to get a token
// for a user name and password (KeystoneAuth asks Keystone); the status
// page's login form needs it.
type PasswordLogin interface {
	PasswordLogin(ctx context.Context, l LoginRequest) (token string, expires time.Time, err error)
}

// LoginRequest is what the status page's login form sends.
type LoginRequest struct {
	Username, Password string
	// Project is the project to scope the token to (by name).
	Project string
	// Domain is the user's and the project's domain (by name).
	Domain string
}

func (a *API) statusRoutes(r chi.Router) {
	static, err := fs.Sub(statusFiles, "status/static")
	if err != nil {
		panic("api: status static files: " + err.Error())
	}
	files := http.StripPrefix("/status/static/", http.FileServer(http.FS(static)))
	r.Route("/status", func(r chi.Router) {
		r.Get("/", a.statusPage)
		r.Get("/state.json", a.statusJSON)
		r.Get("/login", a.statusLoginForm)
		r.Post("/login", a.statusLogin)
		r.Post("/logout", a.statusLogout)
		r.Get("/static/*", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Cache-Control", "no-cache")
			files.ServeHTTP(w, r)
		})
	})
}

// statusHeaders keep the page out of frames and caches and allow only its
// own scripts and styles.
func statusHeaders(w http.ResponseWriter) {
	h := w.Header()
	h.Set("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
	h.Set("X-Frame-Options", "DENY")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "same-origin") // no-referrer would make form posts carry Origin: null
	h.Set("Cache-Control", "no-store")
}

// statusCaller authenticates a status request as the API does, taking the
// token from the cookie when there is no X-Auth-Token header, and checks
// the policy. It returns a status code and message when it refuses.
func (a *API) statusCaller(r *http.Request) (*Credentials, int, string) {
	rr := r
	if r.Header.Get("X-Auth-Token") == "" {
		if c, err := r.Cookie(statusCookie); err == nil && c.Value != "" {
			rr = r.Clone(r.Context())
			rr.Header.Set("X-Auth-Token", c.Value)
		}
	}
	creds, err := a.Auth.Authenticate(r.Context(), rr)
	switch {
	case errors.Is(err, ErrUnauthorized):
		return nil, http.StatusUnauthorized, "The request you have made requires authentication."
	case err != nil:
		a.Log.ErrorContext(r.Context(), "cannot validate token", "err", err, "request_id", requestIDFrom(r.Context()))
		return nil, http.StatusServiceUnavailable, "The identity service cannot be reached; try again later."
	}
	if _, noauth := a.Auth.(NoAuth); !noauth {
		creds.IsAdmin = a.Policy.IsAdmin(creds)
	}
	for i, role := range creds.Roles {
		creds.Roles[i] = strings.ToLower(role)
	}
	target := map[string]string{"project_id": creds.ProjectID, "user_id": creds.UserID}
	if !a.Policy.Enforce("lazarus_api:status:index", creds, target) {
		return creds, http.StatusForbidden, "Policy doesn't allow lazarus_api:status:index to be performed."
	}
	return creds, 0, ""
}

func (a *API) statusPage(w http.ResponseWriter, r *http.Request) {
	statusHeaders(w)
	live := r.URL.Query().Get("part") == "live"
	creds, code, msg := a.statusCaller(r)
	if code == http.StatusUnauthorized && !live {
		http.Redirect(w, r, "/status/login", http.StatusSeeOther)
		return
	}
	if code != 0 {
		a.statusError(w, code, msg, live)
		return
	}
	page, err := a.statusModel(r, creds)
	if err != nil {
		a.Log.ErrorContext(r.Context(), "status page failed", "err", err, "request_id", requestIDFrom(r.Context()))
		a.statusError(w, http.StatusInternalServerError, "The status could not be read from the database; see the lazarus-api log.", live)
		return
	}
	name := "page"
	if live {
		name = "live"
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if err := statusTemplates.ExecuteTemplate(w, name, page); err != nil {
		a.Log.ErrorContext(r.Context(), "render status page", "err", err)
	}
}

func (a *API) statusJSON(w http.ResponseWriter, r *http.Request) {
	statusHeaders(w)
	creds, code, msg := a.statusCaller(r)
	if code == 0 {
		page, err := a.statusModel(r, creds)
		if err == nil {
			w.Header().Set("Content-Type", "application/json")
			_ = json.NewEncoder(w).Encode(page)
			return
		}
		a.Log.ErrorContext(r.Context(), "status state failed", "err", err, "request_id", requestIDFrom(r.Context()))
		code, msg = http.StatusInternalServerError, "The status could not be read from the database."
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(map[string]any{"error": map[string]any{"code": code, "message": msg}})
}

// statusError answers a refusal: the whole error page, or for the live
// fragment a short marker the script understands.
func (a *API) statusError(w http.ResponseWriter, code int, msg string, live bool) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(code)
	if live {
		return
	}
	_ = statusTemplates.ExecuteTemplate(w, "error", map[string]any{
		"Code": code, "Text": http.StatusText(code), "Message": msg, "Keystone": a.canLogin(),
	})
}

func (a *API) canLogin() bool {
	_, ok := a.Auth.(PasswordLogin)
	return ok
}

type loginForm struct {
	Error                     string
	Username, Project, Domain string
	NoAuth                    bool
}

func (a *API) statusLoginForm(w http.ResponseWriter, r *http.Request) {
	statusHeaders(w)
	if _, noauth := a.Auth.(NoAuth); noauth {
		http.Redirect(w, r, "/status", http.StatusSeeOther)
		return
	}
	a.renderLogin(w, http.StatusOK, loginForm{Domain: "Default"})
}

func (a *API) renderLogin(w http.ResponseWriter, code int, f loginForm) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(code)
	_ = statusTemplates.ExecuteTemplate(w, "login", f)
}

// sameOrigin refuses a form posted from another site (login CSRF): a
// browser sends Origin with every POST.
func sameOrigin(r *http.Request) bool {
	o := r.Header.Get("Origin")
	if o == "" || o == "null" {
		return o == ""
	}
	u, err := url.Parse(o)
	return err == nil && u.Host == r.Host
}

func (a *API) statusLogin(w http.ResponseWriter, r *http.Request) {
	statusHeaders(w)
	if !sameOrigin(r) {
		http.Error(w, "cross-origin login refused", http.StatusForbidden)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	if err := r.ParseForm(); err != nil {
		a.renderLogin(w, http.StatusBadRequest, loginForm{Error: "The form could not be read.", Domain: "Default"})
		return
	}
	f := loginForm{
		Username: strings.TrimSpace(r.PostForm.Get("username")), Project: strings.TrimSpace(r.PostForm.Get("project")),
		Domain: strings.TrimSpace(r.PostForm.Get("domain")),
	}
	if f.Domain == "" {
		f.Domain = "Default"
	}
	token := strings.TrimSpace(r.PostForm.Get("token"))
	var expires time.Time
	switch {
	case token != "":
	case f.Username == "" || r.PostForm.Get("password") == "" || f.Project == "":
		f.Error = "Give a user name, password and project, or a token."
		a.renderLogin(w, http.StatusBadRequest, f)
		return
	default:
		pl, ok := a.Auth.(PasswordLogin)
		if !ok {
			f.Error = "This lazarus-api cannot log in with a password; paste a token."
			a.renderLogin(w, http.StatusBadRequest, f)
			return
		}
		var err error
		token, expires, err = pl.PasswordLogin(r.Context(), LoginRequest{
			Username: f.Username, Password: r.PostForm.Get("password"), Project: f.Project, Domain: f.Domain,
		})
		if errors.Is(err, ErrUnauthorized) {
			f.Error = "Keystone refused these credentials."
			a.renderLogin(w, http.StatusUnauthorized, f)
			return
		}
		if err != nil {
			a.Log.ErrorContext(r.Context(), "status login failed", "err", err, "request_id", requestIDFrom(r.Context()))
			f.Error = "Keystone could not be asked: " + err.Error()
			a.renderLogin(w, http.StatusServiceUnavailable, f)
			return
		}
	}
	// Check the token (and the policy) before keeping it.
	check := r.Clone(r.Context())
	check.Header.Set("X-Auth-Token", token)
	if _, code, msg := a.statusCaller(check); code != 0 {
		f.Error = msg
		a.renderLogin(w, code, f)
		return
	}
	c := &http.Cookie{
		Name: statusCookie, Value: token, Path: "/status", HttpOnly: true, SameSite: http.SameSiteStrictMode,
		Secure: r.TLS != nil || strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https"),
	}
	if !expires.IsZero() {
		c.Expires = expires
	}
	http.SetCookie(w, c)
	http.Redirect(w, r, "/status", http.StatusSeeOther)
}

func (a *API) statusLogout(w http.ResponseWriter, r *http.Request) {
	statusHeaders(w)
	if !sameOrigin(r) {
		http.Error(w, "cross-origin logout refused", http.StatusForbidden)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: statusCookie, Value: "", Path: "/status", MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteStrictMode})
	http.Redirect(w, r, "/status/login", http.StatusSeeOther)
}

// statusModel reads the snapshot and shapes it for the templates.
func (a *API) statusModel(r *http.Request, creds *Credentials) (*statusView, error) {
	snap, err := a.Store.StatusSnapshot(r.Context(), &store.StatusSnapshotParams{RecentDone: 10})
	if err != nil {
		return nil, err
	}
	_, noauth := a.Auth.(NoAuth)
	scheme := "http"
	if r.TLS != nil || strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https") {
		scheme = "https"
	}
	v := buildStatusView(snap, scheme+"://"+r.Host)
	v.NoAuth = noauth
	v.User, v.Project = creds.UserID, creds.ProjectID
	v.PollMillis = int(statusPollInterval / time.Millisecond)
	return v, nil
}
