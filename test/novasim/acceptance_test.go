//go:build acceptance

package novasim_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/lazarus-ha/lazarus/test/novasim"
)

// endpointOf authenticates with a password and returns a token and the
// public compute endpoint.
func endpointOf(t *testing.T, authURL, user, password, project string) (string, string) {
	t.Helper()
	body := map[string]any{"auth": map[string]any{
		"identity": map[string]any{"methods": []string{"password"}, "password": map[string]any{"user": map[string]any{
			"name": user, "password": password, "domain": map[string]string{"name": "Default"}}}},
		"scope": map[string]any{"project": map[string]any{"name": project, "domain": map[string]string{"name": "Default"}}},
	}}
	data, err := json.Marshal(body)
	require.NoError(t, err)
	resp, err := http.Post(strings.TrimSuffix(authURL, "/")+"/auth/tokens", "application/json", strings.NewReader(string(data)))
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusCreated, resp.StatusCode)
	var tok struct {
		Token struct {
			Catalog []struct {
				Type      string `json:"type"`
				Endpoints []struct {
					Interface string `json:"interface"`
					URL       string `json:"url"`
				} `json:"endpoints"`
			} `json:"catalog"`
		} `json:"token"`
	}
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&tok))
	for _, s := range tok.Token.Catalog {
		for _, e := range s.Endpoints {
			if s.Type == "compute" && e.Interface == "public" {
				return resp.Header.Get("X-Subject-Token"), strings.TrimSuffix(e.URL, "/")
			}
		}
	}
	t.Fatal("no public compute endpoint in the catalog")
	return "", ""
}

type answer struct {
	code int
	msg  string
}

func ask(t *testing.T, token, method, url, mv, body string) answer {
	t.Helper()
	req, err := http.NewRequestWithContext(context.Background(), method, url, strings.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("X-Auth-Token", token)
	req.Header.Set("OpenStack-API-Version", "compute "+mv)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	var fault map[string]struct {
		Message string `json:"message"`
	}
	a := answer{code: resp.StatusCode}
	if resp.StatusCode >= 400 && json.Unmarshal(data, &fault) == nil {
		for name, f := range fault {
			a.msg = name + ": " + f.Message
		}
	}
	return a
}

// TestAcceptanceAnswersLikeRealNova sends the same requests, none of which
// changes anything, to a real Nova (OS_* variables; test/e2e/cloud.sh env)
// and to the simulator, and compares status codes and error messages:
//
//	eval "$(test/e2e/cloud.sh env)"; go test -tags acceptance -run Acceptance ./test/novasim/
func TestAcceptanceAnswersLikeRealNova(t *testing.T) {
	if os.Getenv("OS_AUTH_URL") == "" || os.Getenv("OS_PASSWORD") == "" {
		t.Fatal("OS_AUTH_URL and OS_PASSWORD are required: eval \"$(test/e2e/cloud.sh env)\"")
	}
	sim := novasim.New(novasim.Options{MaxMicroversion: 93}) // Zed's maximum
	srv := httptest.NewServer(sim)
	t.Cleanup(func() {
		srv.Close()
		sim.Close()
	})
	require.NoError(t, sim.AddHost(novasim.HostSpec{Name: "compute-1"}))

	realTok, realURL := endpointOf(t, os.Getenv("OS_AUTH_URL"), os.Getenv("OS_USERNAME"), os.Getenv("OS_PASSWORD"), os.Getenv("OS_PROJECT_NAME"))
	simTok, simURL := endpointOf(t, srv.URL+"/v3", novasim.DefaultUsername, novasim.DefaultPassword, novasim.DefaultProjectName)

	ids := func(token, base string) (compute, conductor string) {
		req, err := http.NewRequestWithContext(context.Background(), http.MethodGet, base+"/os-services", nil)
		require.NoError(t, err)
		req.Header.Set("X-Auth-Token", token)
		req.Header.Set("OpenStack-API-Version", "compute 2.53")
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		var list struct {
			Services []struct{ ID, Binary string } `json:"services"`
		}
		require.NoError(t, json.NewDecoder(resp.Body).Decode(&list))
		for _, s := range list.Services {
			switch s.Binary {
			case "nova-compute":
				compute = s.ID
			case "nova-conductor":
				conductor = s.ID
			}
		}
		return compute, conductor
	}
	realCompute, realConductor := ids(realTok, realURL)
	simCompute, simConductor := ids(simTok, simURL)
	const missing = "5f7e8e56-0000-4000-8000-000000000000"

	for _, tc := range []struct {
		name, method, path, mv, body string
		// exactMsg: compare messages too (a few embed Python reprs).
		exactMsg bool
	}{
		{"reason with enabled", "PUT", "/os-services/{compute}", "2.53", `{"status":"enabled","disabled_reason":"x"}`, true},
		{"reason alone", "PUT", "/os-services/{compute}", "2.53", `{"disabled_reason":"x"}`, true},
		{"conductor", "PUT", "/os-services/{conductor}", "2.53", `{"status":"enabled"}`, true},
		{"unknown key", "PUT", "/os-services/{compute}", "2.53", `{"foo":1}`, true},
		{"no update", "PUT", "/os-services/{compute}", "2.53", `{}`, true},
		{"unknown service", "PUT", "/os-services/" + missing, "2.53", `{"status":"enabled"}`, true},
		{"evacuate unknown server", "POST", "/servers/" + missing + "/action", "2.53", `{"evacuate":{}}`, true},
		{"evacuate onSharedStorage", "POST", "/servers/" + missing + "/action", "2.53", `{"evacuate":{"onSharedStorage":false}}`, false},
		{"stop unknown server", "POST", "/servers/" + missing + "/action", "2.53", `{"os-stop":null}`, true},
		{"get unknown server", "GET", "/servers/" + missing, "2.53", ``, true},
		{"microversion too new", "GET", "/os-services", "2.200", ``, true},
		{"negative limit", "GET", "/servers/detail?all_tenants=1&limit=-1", "2.53", ``, true},
		{"unknown marker", "GET", "/servers/detail?all_tenants=1&marker=nope", "2.53", ``, true},
		{"bad changes-since", "GET", "/servers/detail?all_tenants=1&changes-since=yesterday", "2.53", ``, false},
		{"unknown aggregate", "POST", "/os-aggregates/99999/action", "2.53", `{"add_host":{"host":"compute-1"}}`, true},
		{"list migrations", "GET", "/os-migrations?instance_uuid=" + missing, "2.53", ``, true},
		{"list hypervisors", "GET", "/os-hypervisors/detail", "2.53", ``, true},
	} {
		fill := func(p, compute, conductor string) string {
			return strings.NewReplacer("{compute}", compute, "{conductor}", conductor).Replace(p)
		}
		want := ask(t, realTok, tc.method, realURL+fill(tc.path, realCompute, realConductor), tc.mv, tc.body)
		got := ask(t, simTok, tc.method, simURL+fill(tc.path, simCompute, simConductor), tc.mv, tc.body)
		require.Equal(t, want.code, got.code, "%s: real %q, simulator %q", tc.name, want.msg, got.msg)
		if tc.exactMsg {
			require.Equal(t, want.msg, got.msg, tc.name)
		}
	}
}
