package api

import (
	"net/http"
	"net/url"
	"sort"
	"strings"

	"github.com/go-chi/chi/v5"
)

// The version documents (masakari/api/openstack/ha/versions.py).

const versionUpdated = "2016-07-01T11:33:21Z"

var mediaTypes = []map[string]string{{"base": "application/json", "type": "application/vnd.openstack.masakari+json;version=1"}}

// baseURL is the root application URL: [api] link_prefix when set
// (Masakari's osapi_masakari_link_prefix replaces scheme, host and
// prefixes the path), else the request's scheme and host.
func (a *API) baseURL(r *http.Request, path string) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	orig := scheme + "://" + r.Host + path
	if a.LinkPrefix == "" {
		return orig
	}
	pu, err := url.Parse(a.LinkPrefix)
	if err != nil {
		return orig
	}
	return strings.TrimRight(pu.Scheme+"://"+pu.Host+pu.Path+path, "/")
}

// urlJoin is Masakari's common.url_join.
func urlJoin(parts ...string) string {
	var clean []string
	for _, p := range parts {
		if p != "" {
			clean = append(clean, strings.Trim(p, "/"))
		}
	}
	if len(parts) > 0 && parts[len(parts)-1] == "" {
		clean = append(clean, "")
	}
	return strings.Join(clean, "/")
}

// versions serves GET / (any method, no authentication).
func (a *API) versions(w http.ResponseWriter, r *http.Request) {
	prefix := a.baseURL(r, "")
	WriteJSON(w, nil, http.StatusOK, map[string]any{"versions": []any{map[string]any{
		"id": "v1.0", "status": "CURRENT", "version": MaxVersion.String(), "min_version": MinVersion.String(),
		"updated": versionUpdated,
		"links":   []any{map[string]string{"rel": "self", "href": urlJoin(prefix, "v1", "")}},
	}}})
}

// versionChoices answers any other path of the root application with 300.
func (a *API) versionChoices(w http.ResponseWriter, r *http.Request) {
	prefix := a.baseURL(r, "")
	WriteJSON(w, nil, http.StatusMultipleChoices, map[string]any{"choices": []any{map[string]any{
		"id": "v1.0", "status": "CURRENT",
		"links":       []any{map[string]string{"rel": "self", "href": urlJoin(prefix, "v1", r.URL.Path)}},
		"media-types": mediaTypes,
	}}})
}

func (a *API) versionDoc(r *http.Request) map[string]any {
	self := strings.TrimRight(a.baseURL(r, "/v1"), "/") + "/"
	return map[string]any{"version": map[string]any{
		"id": "v1.0", "status": "CURRENT", "version": MaxVersion.String(), "min_version": MinVersion.String(),
		"updated": versionUpdated,
		"links": []any{
			map[string]string{"rel": "self", "href": self},
			map[string]string{"rel": "describedby", "type": "text/html", "href": "https://docs.openstack.org/"},
		},
		"media-types": mediaTypes,
	}}
}

// versionV1 serves GET /v1 and /v1/ (authenticated, no policy).
func (a *API) versionV1(rq *Request) (int, any, error) {
	return http.StatusOK, a.versionDoc(rq.Request), nil
}

// versionV1ByID serves GET /v1/versions/v1.0.
func (a *API) versionV1ByID(rq *Request) (int, any, error) {
	if chi.URLParam(rq.Request, "id") != "v1.0" {
		return 0, nil, Faultf(http.StatusNotFound, "The resource could not be found.")
	}
	return http.StatusOK, a.versionDoc(rq.Request), nil
}

type extension struct{ name, alias, description string }

// extensions are Masakari's API extensions (their class docstrings are
// the descriptions), plus vmoves of microversion 1.3.
var extensions = []extension{
	{"Extensions", "extensions", "Extension information."},
	{"Hosts", "os-hosts", "Hosts controller"},
	{"Notifications", "notifications", "Notifications support."},
	{"Segments", "segments", "Segments Extension."},
	{"Versions", "versions", "API Version information."},
	{"vmoves", "vmoves", "vmoves controller"},
}

func (a *API) discoverable(rq *Request) map[string]map[string]any {
	out := map[string]map[string]any{}
	for _, e := range extensions {
		if a.Policy.Enforce("os_masakari_api:"+e.alias+":discoverable", rq.Creds, map[string]string{"project_id": rq.Creds.ProjectID}) {
			out[e.alias] = map[string]any{"name": e.name, "alias": e.alias, "description": e.description, "namespace": "", "updated": "", "links": []any{}}
		}
	}
	return out
}

func (a *API) extensionList(rq *Request) (int, any, error) {
	if err := a.authorize(rq, "os_masakari_api:extensions:index"); err != nil {
		return 0, nil, err
	}
	d := a.discoverable(rq)
	aliases := make([]string, 0, len(d))
	for k := range d {
		aliases = append(aliases, k)
	}
	sort.Strings(aliases)
	list := []any{}
	for _, k := range aliases {
		list = append(list, d[k])
	}
	return http.StatusOK, map[string]any{"extensions": list}, nil
}

func (a *API) extensionShow(rq *Request) (int, any, error) {
	if err := a.authorize(rq, "os_masakari_api:extensions:detail"); err != nil {
		return 0, nil, err
	}
	e, ok := a.discoverable(rq)[chi.URLParam(rq.Request, "id")]
	if !ok {
		return 0, nil, Faultf(http.StatusNotFound, "The resource could not be found.")
	}
	return http.StatusOK, map[string]any{"extension": e}, nil
}
