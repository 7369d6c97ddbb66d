package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
)

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
	require.NoError(t, os.WriteFile(path, []byte(content), 0o600))
}

func TestResolveCloudsYAMLAndEnvironment(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	writeFile(t, filepath.Join(home, ".config", "openstack", "clouds.yaml"), `
clouds:
  prod:
    auth:
      auth_url: https://keystone.prod:5000/v3
      username: operator
      project_name: admin
      user_domain_name: Default
      project_domain_name: Default
    region_name: RegionOne
    interface: internal
  dev:
    auth_type: none
    auth:
      endpoint: http://127.0.0.1:15868/v1
  appcred:
    auth_type: v3applicationcredential
    auth:
      auth_url: https://keystone:5000/v3
      application_credential_id: "0123"
      application_credential_secret: shh
  insecure:
    auth:
      auth_url: https://keystone:5000/v3
      token: tok123
    verify: false
`)
	writeFile(t, filepath.Join(home, ".config", "openstack", "secure.yaml"), `
clouds:
  prod:
    auth:
      password: from-secure-yaml
`)
	explicit := filepath.Join(t.TempDir(), "other.yaml")
	writeFile(t, explicit, `
clouds:
  prod:
    auth:
      auth_url: https://elsewhere:5000/v3
      username: other
`)

	cases := []struct {
		name string
		env  map[string]string
		args []string
		// check inspects the resolved settings.
		check   func(t *testing.T, s settings)
		wantErr string
	}{
		{name: "clouds.yaml in the user config dir, password from secure.yaml",
			env: map[string]string{"OS_CLOUD": "prod"},
			check: func(t *testing.T, s settings) {
				require.Equal(t, "password", s.authType, "no auth_type means password")
				require.Equal(t, "https://keystone.prod:5000/v3", s.authURL)
				require.Equal(t, "operator", s.username)
				require.Equal(t, "from-secure-yaml", s.password)
				require.Equal(t, "RegionOne", s.regionName)
				require.Equal(t, "internal", s.iface)
				require.Equal(t, "Default", s.userDomainName)
			}},
		{name: "--os-cloud beats OS_CLOUD",
			env: map[string]string{"OS_CLOUD": "prod"}, args: []string{"--os-cloud", "dev"},
			check: func(t *testing.T, s settings) {
				require.Equal(t, "none", s.authType)
				require.Equal(t, "http://127.0.0.1:15868/v1", s.endpoint)
			}},
		{name: "OS_* variables override the cloud's values, as argparse defaults do in the openstack CLI",
			env: map[string]string{"OS_CLOUD": "prod", "OS_REGION_NAME": "RegionTwo", "OS_PASSWORD": "from-env", "OS_INTERFACE": "public"},
			check: func(t *testing.T, s settings) {
				require.Equal(t, "RegionTwo", s.regionName)
				require.Equal(t, "from-env", s.password)
				require.Equal(t, "public", s.iface)
				require.Equal(t, "operator", s.username, "what the environment does not set stays from clouds.yaml")
			}},
		{name: "options override the environment",
			env:  map[string]string{"OS_CLOUD": "prod", "OS_REGION_NAME": "RegionTwo"},
			args: []string{"--os-region-name", "RegionThree"},
			check: func(t *testing.T, s settings) {
				require.Equal(t, "RegionThree", s.regionName)
			}},
		{name: "OS_CLIENT_CONFIG_FILE comes first in the search path",
			env: map[string]string{"OS_CLOUD": "prod", "OS_CLIENT_CONFIG_FILE": explicit},
			check: func(t *testing.T, s settings) {
				require.Equal(t, "https://elsewhere:5000/v3", s.authURL)
				require.Equal(t, "other", s.username)
			}},
		{name: "application credential",
			env: map[string]string{"OS_CLOUD": "appcred"},
			check: func(t *testing.T, s settings) {
				require.Equal(t, "v3applicationcredential", s.authType)
				require.Equal(t, "0123", s.appCredID)
				require.Equal(t, "shh", s.appCredSecret)
			}},
		{name: "token auth and verify: false",
			env: map[string]string{"OS_CLOUD": "insecure"},
			check: func(t *testing.T, s settings) {
				require.Equal(t, "token", s.authType, "a token and no password means token auth")
				require.Equal(t, "tok123", s.token)
				require.True(t, s.insecure)
			}},
		{name: "no cloud: the environment alone (an openrc file)",
			env: map[string]string{"OS_AUTH_URL": "https://k:5000/v3", "OS_USERNAME": "admin", "OS_PASSWORD": "pw",
				"OS_PROJECT_NAME": "admin", "OS_USER_DOMAIN_NAME": "Default", "OS_PROJECT_DOMAIN_NAME": "Default"},
			check: func(t *testing.T, s settings) {
				require.Equal(t, "password", s.authType)
				require.Equal(t, "admin", s.projectName)
				require.Equal(t, "public", s.iface, "the openstack CLI's default interface")
			}},
		{name: "OS_TENANT_NAME is the old spelling of OS_PROJECT_NAME",
			env: map[string]string{"OS_TENANT_NAME": "legacy"},
			check: func(t *testing.T, s settings) {
				require.Equal(t, "legacy", s.projectName)
			}},
		{name: "application credential secret in the environment picks that auth type",
			env: map[string]string{"OS_AUTH_URL": "https://k:5000/v3", "OS_APPLICATION_CREDENTIAL_ID": "id", "OS_APPLICATION_CREDENTIAL_SECRET": "s"},
			check: func(t *testing.T, s settings) {
				require.Equal(t, "v3applicationcredential", s.authType)
			}},
		{name: "an unknown cloud is an error",
			env: map[string]string{"OS_CLOUD": "nope"}, wantErr: "Cloud nope was not found."},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			env := map[string]string{"HOME": home}
			for k, v := range tc.env {
				env[k] = v
			}
			a := &app{io: &stdio{in: nil, out: io.Discard, err: io.Discard}, getenv: func(k string) string { return env[k] }}
			root := a.rootCommand()
			require.NoError(t, root.PersistentFlags().Parse(tc.args))
			s, err := a.resolve()
			if tc.wantErr != "" {
				require.EqualError(t, err, tc.wantErr)
				return
			}
			require.NoError(t, err)
			tc.check(t, s)
		})
	}
}

// fakeCloud is a keystone that issues a token with a catalog listing the
// instance-ha service, and the instance-ha API behind it.
type fakeCloud struct {
	srv      *httptest.Server
	mu       sync.Mutex
	authReqs []map[string]any
	apiPaths []string
	tokens   []string
}

func newFakeCloud(t *testing.T) *fakeCloud {
	t.Helper()
	f := &fakeCloud{}
	mux := http.NewServeMux()
	mux.HandleFunc("/identity/v3/auth/tokens", func(w http.ResponseWriter, r *http.Request) {
		var body map[string]any
		_ = json.NewDecoder(r.Body).Decode(&body)
		f.mu.Lock()
		f.authReqs = append(f.authReqs, body)
		f.mu.Unlock()
		if pw := fmt.Sprint(dig(body, "auth", "identity", "password", "user", "password")); pw == "wrong" {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(401)
			_, _ = io.WriteString(w, `{"error": {"code": 401, "title": "Unauthorized", "message": "The request you have made requires authentication."}}`)
			return
		}
		base := f.srv.URL
		w.Header().Set("X-Subject-Token", "tok-from-keystone")
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(201)
		fmt.Fprintf(w, `{"token": {"expires_at": "2099-01-01T00:00:00.000000Z", "methods": ["password"],
			"user": {"id": "u", "name": "admin", "domain": {"id": "default", "name": "Default"}},
			"project": {"id": "p1", "name": "admin", "domain": {"id": "default", "name": "Default"}},
			"catalog": [{"type": "instance-ha", "name": "masakari", "id": "s", "endpoints": [
				{"id": "e1", "interface": "public", "region": "RegionOne", "region_id": "RegionOne", "url": "%[1]s/public/v1/p1"},
				{"id": "e2", "interface": "internal", "region": "RegionOne", "region_id": "RegionOne", "url": "%[1]s/internal/v1/p1"},
				{"id": "e3", "interface": "public", "region": "RegionTwo", "region_id": "RegionTwo", "url": "%[1]s/two/v1/p1"}]}]}}`, base)
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		f.apiPaths = append(f.apiPaths, r.URL.Path)
		f.tokens = append(f.tokens, r.Header.Get("X-Auth-Token"))
		f.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"segments": []}`)
	})
	f.srv = httptest.NewServer(mux)
	t.Cleanup(f.srv.Close)
	return f
}

func dig(m map[string]any, keys ...string) any {
	var v any = m
	for _, k := range keys {
		mm, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = mm[k]
	}
	return v
}

func TestPasswordAuthFindsTheEndpointInTheCatalog(t *testing.T) {
	t.Parallel()
	f := newFakeCloud(t)
	env := map[string]string{"OS_AUTH_URL": f.srv.URL + "/identity/v3", "OS_USERNAME": "admin", "OS_PASSWORD": "pw",
		"OS_PROJECT_NAME": "admin", "OS_USER_DOMAIN_NAME": "Default", "OS_PROJECT_DOMAIN_NAME": "Default"}
	for _, tc := range []struct {
		args []string
		path string
	}{
		{nil, "/public/v1/p1/segments"},                                                  // public is the default interface
		{[]string{"--os-interface", "internal"}, "/internal/v1/p1/segments"},             // --os-interface picks the endpoint
		{[]string{"--os-region-name", "RegionTwo"}, "/two/v1/p1/segments"},               // and so does the region
		{[]string{"--os-endpoint", f.srv.URL + "/override/v1"}, "/override/v1/segments"}, // an explicit endpoint wins
	} {
		out, errOut, code := runCLI(t, env, append(tc.args, "segment", "list", "-f", "json")...)
		require.Equal(t, 0, code, errOut)
		require.Equal(t, "[]\n", out)
		f.mu.Lock()
		require.Equal(t, tc.path, f.apiPaths[len(f.apiPaths)-1])
		require.Equal(t, "tok-from-keystone", f.tokens[len(f.tokens)-1])
		f.mu.Unlock()
	}
	f.mu.Lock()
	req := f.authReqs[0]
	f.mu.Unlock()
	require.Equal(t, "admin", dig(req, "auth", "identity", "password", "user", "name"))
	require.Equal(t, "Default", dig(req, "auth", "identity", "password", "user", "domain", "name"))
	require.Equal(t, "admin", dig(req, "auth", "scope", "project", "name"))
	require.Equal(t, "Default", dig(req, "auth", "scope", "project", "domain", "name"))
}

func TestTokenAndApplicationCredentialAuth(t *testing.T) {
	t.Parallel()
	f := newFakeCloud(t)
	authURL := f.srv.URL + "/identity/v3"
	_, errOut, code := runCLI(t, map[string]string{"OS_AUTH_URL": authURL, "OS_TOKEN": "old-token", "OS_PROJECT_ID": "p1"}, "segment", "list")
	require.Equal(t, 0, code, errOut)
	_, errOut, code = runCLI(t, map[string]string{"OS_AUTH_URL": authURL, "OS_APPLICATION_CREDENTIAL_ID": "ac",
		"OS_APPLICATION_CREDENTIAL_SECRET": "shh"}, "segment", "list")
	require.Equal(t, 0, code, errOut)
	f.mu.Lock()
	defer f.mu.Unlock()
	require.Equal(t, []any{"token"}, dig(f.authReqs[0], "auth", "identity", "methods"))
	require.Equal(t, "old-token", dig(f.authReqs[0], "auth", "identity", "token", "id"))
	require.Equal(t, []any{"application_credential"}, dig(f.authReqs[1], "auth", "identity", "methods"))
	require.Equal(t, "ac", dig(f.authReqs[1], "auth", "identity", "application_credential", "id"))
}

func TestKeystoneRejectsThePassword(t *testing.T) {
	t.Parallel()
	f := newFakeCloud(t)
	_, errOut, code := runCLI(t, map[string]string{"OS_AUTH_URL": f.srv.URL + "/identity/v3", "OS_USERNAME": "admin",
		"OS_PASSWORD": "wrong", "OS_PROJECT_NAME": "admin", "OS_USER_DOMAIN_NAME": "Default", "OS_PROJECT_DOMAIN_NAME": "Default"}, "segment", "list")
	require.Equal(t, 1, code)
	// keystoneauth's wording for a 401 from keystone.
	require.Equal(t, "The request you have made requires authentication. (HTTP 401)\n", errOut)
	require.NotContains(t, errOut, "wrong", "the password is never printed")
}

func TestHelpNeverShowsSecrets(t *testing.T) {
	t.Parallel()
	out, _, code := runCLI(t, map[string]string{"OS_PASSWORD": "pw-in-env", "OS_TOKEN": "tok-in-env",
		"OS_APPLICATION_CREDENTIAL_SECRET": "sec-in-env", "OS_USERNAME": "admin"}, "segment", "list", "--help")
	require.Equal(t, 0, code)
	require.Contains(t, out, `(default "admin")`, "ordinary options show their environment default")
	for _, s := range []string{"pw-in-env", "tok-in-env", "sec-in-env"} {
		require.NotContains(t, out, s)
	}
}

func TestMissingAuthURL(t *testing.T) {
	t.Parallel()
	_, errOut, code := runCLI(t, map[string]string{"OS_USERNAME": "admin", "OS_PASSWORD": "pw"}, "segment", "list")
	require.Equal(t, 1, code)
	require.Equal(t, "Missing value auth-url required for auth plugin password\n", errOut)
}
