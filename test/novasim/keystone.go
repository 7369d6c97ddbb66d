package novasim

import (
	"encoding/json"
	"net/http"
	"strings"
	"time"
)

// authRequest is the part of a Keystone v3 password authentication body
// the simulator reads.
type authRequest struct {
	Auth struct {
		Identity struct {
			Methods  []string `json:"methods"`
			Password struct {
				User struct {
					ID       string    `json:"id"`
					Name     string    `json:"name"`
					Password string    `json:"password"`
					Domain   domainRef `json:"domain"`
				} `json:"user"`
			} `json:"password"`
		} `json:"identity"`
		Scope *struct {
			Project *struct {
				ID     string    `json:"id"`
				Name   string    `json:"name"`
				Domain domainRef `json:"domain"`
			} `json:"project"`
		} `json:"scope"`
	} `json:"auth"`
}

type domainRef struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// matches reports whether the reference names the configured domain, by
// name or by the ID "default" that Keystone gives its Default domain.
func (d domainRef) matches(name string) bool {
	return d.Name == name || (d.ID != "" && strings.EqualFold(d.ID, "default") && strings.EqualFold(name, DefaultDomainName))
}

func keystoneError(w http.ResponseWriter, code int, title, msg string) {
	writeJSON(w, code, map[string]any{"error": map[string]any{"code": code, "title": title, "message": msg}})
}

// identityVersions is GET /: the identity version discovery document.
func (s *Sim) identityVersions(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusMultipleChoices, map[string]any{"versions": map[string]any{"values": []any{s.identityVersionDoc(r)}}})
}

// identityV3 is GET /v3.
func (s *Sim) identityV3(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{"version": s.identityVersionDoc(r)})
}

func (s *Sim) identityVersionDoc(r *http.Request) map[string]any {
	return map[string]any{
		"id": "v3.14", "status": "stable", "updated": "2020-04-07T00:00:00Z",
		"links": []any{map[string]string{"rel": "self", "href": baseURL(r) + "/v3/"}},
	}
}

// issueToken is POST /v3/auth/tokens with the password method.
func (s *Sim) issueToken(w http.ResponseWriter, r *http.Request) {
	var req authRequest
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBody)).Decode(&req); err != nil {
		keystoneError(w, http.StatusBadRequest, "Bad Request", "Malformed authentication request.")
		return
	}
	id := req.Auth.Identity
	u := id.Password.User
	if len(id.Methods) != 1 || id.Methods[0] != "password" {
		keystoneError(w, http.StatusUnauthorized, "Unauthorized", "Only the password method is supported.")
		return
	}
	if u.Name != s.opts.Username || u.Password != s.opts.Password || !u.Domain.matches(s.opts.DomainName) {
		keystoneError(w, http.StatusUnauthorized, "Unauthorized", "The request you have made requires authentication.")
		return
	}
	sc := req.Auth.Scope
	if sc == nil || sc.Project == nil {
		keystoneError(w, http.StatusUnauthorized, "Unauthorized", "The simulator issues project-scoped tokens only.")
		return
	}
	p := sc.Project
	if !(p.ID == s.opts.ProjectID || (p.Name == s.opts.ProjectName && p.Domain.matches(s.opts.DomainName))) {
		keystoneError(w, http.StatusUnauthorized, "Unauthorized", "User has no access to project.")
		return
	}
	now := time.Now()
	t := token{projectID: s.opts.ProjectID, issued: now, expires: now.Add(s.opts.TokenTTL)}
	tok := newToken()
	s.mu.Lock()
	s.tokens[tok] = t
	s.tokensIssed++
	s.mu.Unlock()
	w.Header().Set("X-Subject-Token", tok)
	writeJSON(w, http.StatusCreated, map[string]any{"token": s.tokenBody(r, t, []string{"password"})})
}

// validateToken is GET /v3/auth/tokens: X-Auth-Token must be valid, and
// X-Subject-Token is the token described.
func (s *Sim) validateToken(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	caller, okCaller := s.tokens[r.Header.Get("X-Auth-Token")]
	subject, okSubject := s.tokens[r.Header.Get("X-Subject-Token")]
	s.mu.Unlock()
	now := time.Now()
	if !okCaller || now.After(caller.expires) {
		keystoneError(w, http.StatusUnauthorized, "Unauthorized", "The request you have made requires authentication.")
		return
	}
	if !okSubject || now.After(subject.expires) {
		keystoneError(w, http.StatusNotFound, "Not Found", "Could not find token.")
		return
	}
	w.Header().Set("X-Subject-Token", r.Header.Get("X-Subject-Token"))
	writeJSON(w, http.StatusOK, map[string]any{"token": s.tokenBody(r, subject, []string{"password"})})
}

func (s *Sim) tokenBody(r *http.Request, t token, methods []string) map[string]any {
	base := baseURL(r)
	endpoints := func(url string) []any {
		var out []any
		for _, iface := range []string{"public", "internal", "admin"} {
			out = append(out, map[string]any{
				"id": iface + "-" + url, "interface": iface, "region": s.opts.Region, "region_id": s.opts.Region, "url": url,
			})
		}
		return out
	}
	domain := map[string]string{"id": "default", "name": s.opts.DomainName}
	return map[string]any{
		"methods":    methods,
		"issued_at":  t.issued.UTC().Format("2006-01-02T15:04:05.000000Z"),
		"expires_at": t.expires.UTC().Format("2006-01-02T15:04:05.000000Z"),
		"user":       map[string]any{"id": "u-" + s.opts.Username, "name": s.opts.Username, "domain": domain, "password_expires_at": nil},
		"project":    map[string]any{"id": t.projectID, "name": s.opts.ProjectName, "domain": domain},
		"roles":      []any{map[string]string{"id": "r-admin", "name": "admin"}, map[string]string{"id": "r-member", "name": "member"}},
		"is_domain":  false,
		"catalog": []any{
			map[string]any{"id": "svc-identity", "type": "identity", "name": "keystone", "endpoints": endpoints(base + "/v3")},
			map[string]any{"id": "svc-compute", "type": "compute", "name": "nova", "endpoints": endpoints(base + computeRoot)},
			map[string]any{"id": "svc-placement", "type": "placement", "name": "placement", "endpoints": endpoints(base + placementRoot)},
		},
	}
}
