package api_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/lazarus-ha/lazarus/api"
	"github.com/lazarus-ha/lazarus/store/storetest"
)

type fakeTokens map[string]*api.Token

func (f fakeTokens) ValidateToken(_ context.Context, tok string) (*api.Token, error) {
	if t, ok := f[tok]; ok {
		return t, nil
	}
	return nil, api.ErrUnauthorized
}

func TestKeystoneAuthAndPolicy(t *testing.T) {
	t.Parallel()
	s := storetest.NewStore(t)
	tokens := fakeTokens{
		"admin-token":  {UserID: "u1", ProjectID: "abc123", Roles: []string{"Admin"}},
		"member-token": {UserID: "u2", ProjectID: "abc123", Roles: []string{"member"}},
	}
	dir := t.TempDir()
	policyFile := filepath.Join(dir, "policy.yaml")
	require.NoError(t, os.WriteFile(policyFile, []byte(`"os_masakari_api:segments:index": "rule:admin_api or (role:member and project_id:%(project_id)s)"`+"\n"), 0o600))
	custom, err := api.NewPolicy(policyFile)
	require.NoError(t, err)
	missing, err := api.NewPolicy(filepath.Join(dir, "absent.yaml"))
	require.NoError(t, err, "a missing policy file means the defaults")

	for _, tc := range []struct {
		name   string
		policy *api.Policy
		token  string
		method string
		path   string
		body   string
		status int
		msg    string
	}{
		// No token: keystonemiddleware's 401.
		{"no token", missing, "", "GET", "/v1/segments", "", 401, ""},
		{"bad token", missing, "nope", "GET", "/v1/segments", "", 401, ""},
		// The admin role (any case) makes is_admin true.
		{"admin", missing, "admin-token", "GET", "/v1/segments", "", 200, ""},
		// Every route is admin-only by default.
		{"member list", missing, "member-token", "GET", "/v1/segments", "", 403, "Policy doesn't allow os_masakari_api:segments:index to be performed."},
		{"member notification", missing, "member-token", "GET", "/v1/notifications", "", 403, "Policy doesn't allow os_masakari_api:notifications:index to be performed."},
		// Validation before policy, as in Masakari: a non-admin with a bad body gets 400.
		{"member bad body", missing, "member-token", "POST", "/v1/segments", `{"segment": {}}`, 400, ""},
		{"member good body", missing, "member-token", "POST", "/v1/segments", `{"segment": {"name": "x", "recovery_method": "auto", "service_type": "C"}}`, 403, "Policy doesn't allow os_masakari_api:segments:create to be performed."},
		// The versions document needs a token but no role.
		{"member version", missing, "member-token", "GET", "/v1", "", 200, ""},
		// A policy file opens one rule and nothing else.
		{"override list", custom, "member-token", "GET", "/v1/segments", "", 200, ""},
		{"override other", custom, "member-token", "GET", "/v1/notifications", "", 403, "Policy doesn't allow os_masakari_api:notifications:index to be performed."},
		// The token's project must match a project in the URL.
		{"project match", custom, "member-token", "GET", "/v1/abc123/segments", "", 200, ""},
		{"project mismatch", custom, "member-token", "GET", "/v1/abc124/segments", "", 400, "Malformed request URL: URL's project_id 'abc124' doesn't match Context's project_id 'abc123'"},
	} {
		h := api.NewRouter(api.Deps{Store: s, Policy: tc.policy, Auth: &api.KeystoneAuth{Validator: tokens, AuthURL: "http://keystone:5000/v3"}})
		var body *stringsReader
		req := httptest.NewRequest(tc.method, tc.path, nil)
		if tc.body != "" {
			body = newReader(tc.body)
			req = httptest.NewRequest(tc.method, tc.path, body)
		}
		if tc.token != "" {
			req.Header.Set("X-Auth-Token", tc.token)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		require.Equal(t, tc.status, rec.Code, "%s: %s", tc.name, rec.Body.String())
		if tc.status == http.StatusUnauthorized {
			require.Equal(t, `Keystone uri="http://keystone:5000/v3"`, rec.Header().Get("WWW-Authenticate"), tc.name)
		}
		if tc.msg != "" {
			require.Contains(t, rec.Body.String(), `"message": "`+tc.msg+`"`, tc.name)
		}
	}
}

func TestPolicyCheckStrings(t *testing.T) {
	t.Parallel()
	admin := &api.Credentials{ProjectID: "p", Roles: []string{"admin"}, IsAdmin: true}
	member := &api.Credentials{ProjectID: "p", Roles: []string{"member"}}
	for _, tc := range []struct {
		check         string
		admin, member bool
	}{
		{"@", true, true},               // anyone
		{"!", false, false},             // no one
		{"", true, true},                // an empty rule allows, as oslo.policy
		{"role:admin", true, false},     // role match
		{"is_admin:True", true, false},  // the computed admin flag
		{"not role:admin", false, true}, // negation
		{"role:member or role:admin", true, true},
		{"role:member and role:admin", false, false},
		{"(role:member or role:reader) and project_id:%(project_id)s", false, true}, // parentheses and target substitution
		{"rule:admin_api", true, false},                                             // rules refer to rules
		{"rule:missing", false, false},                                              // an unknown rule denies
	} {
		rules := map[string]string{"admin_api": "is_admin:True", "x": tc.check}
		p, err := api.NewPolicyFromRules(rules)
		require.NoError(t, err, tc.check)
		require.Equal(t, tc.admin, p.Enforce("x", admin, map[string]string{"project_id": "p"}), "admin: %q", tc.check)
		require.Equal(t, tc.member, p.Enforce("x", member, map[string]string{"project_id": "p"}), "member: %q", tc.check)
	}
	_, err := api.NewPolicyFromRules(map[string]string{"x": "role:admin or"})
	require.Error(t, err)
	_, err = api.NewPolicyFromRules(map[string]string{"x": "(role:admin"})
	require.Error(t, err)
}
