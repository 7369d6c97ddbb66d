package api_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/lazarus-ha/lazarus/api"
	"github.com/lazarus-ha/lazarus/store/storetest"
)

func statusGet(t *testing.T, h http.Handler, path string, hdr map[string]string) *http.Response {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, path, nil)
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Result()
}

func statusPost(t *testing.T, h http.Handler, path string, form url.Values, hdr map[string]string) *http.Response {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Result()
}

func body(t *testing.T, res *http.Response) string {
	t.Helper()
	b, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	return string(b)
}

// TestStatusPageAuth: the status page takes the API's keystone tokens from
// a header or the login cookie, sends a browser without one to the login
// form, and applies the policy (admin by default).
func TestStatusPageAuth(t *testing.T) {
	t.Parallel()
	s := storetest.NewStore(t)
	// A Keystone that knows one user, for the password form.
	ks := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			Auth struct {
				Identity struct {
					Password struct {
						User struct {
							Name, Password string
							Domain         struct{ Name string }
						}
					}
				}
				Scope struct {
					Project struct{ Name string }
				}
			}
		}
		if r.Method != http.MethodPost || r.URL.Path != "/v3/auth/tokens" || json.NewDecoder(r.Body).Decode(&req) != nil {
			http.Error(w, "bad", http.StatusBadRequest)
			return
		}
		u := req.Auth.Identity.Password.User
		if u.Name != "ops" || u.Password != "s3cret" || u.Domain.Name != "Default" || req.Auth.Scope.Project.Name != "admin" {
			http.Error(w, `{"error": {"code": 401}}`, http.StatusUnauthorized)
			return
		}
		w.Header().Set("X-Subject-Token", "admin-token")
		w.WriteHeader(http.StatusCreated)
		_, _ = io.WriteString(w, `{"token": {"expires_at": "2099-01-01T00:00:00.000000Z"}}`)
	}))
	t.Cleanup(ks.Close)
	tokens := fakeTokens{
		"admin-token":  {UserID: "ops", ProjectID: "p1", Roles: []string{"admin"}},
		"member-token": {UserID: "viewer", ProjectID: "p1", Roles: []string{"member"}},
	}
	h := api.NewRouter(api.Deps{Store: s, Auth: &api.KeystoneAuth{Validator: tokens, AuthURL: ks.URL + "/v3"}})
	cookie := func(tok string) map[string]string { return map[string]string{"Cookie": "lazarus_token=" + tok} }

	for _, tc := range []struct {
		name     string
		path     string
		hdr      map[string]string
		status   int
		location string
		contains string
	}{
		// A browser without a token is sent to the login form.
		{"page without token", "/status", nil, http.StatusSeeOther, "/status/login", ""},
		{"bad cookie", "/status", cookie("expired"), http.StatusSeeOther, "/status/login", ""},
		// The live fragment and the JSON answer 401 (the script says so).
		{"fragment without token", "/status?part=live", nil, http.StatusUnauthorized, "", ""},
		{"json without token", "/status/state.json", nil, http.StatusUnauthorized, "", `"code":401`},
		{"admin cookie", "/status", cookie("admin-token"), http.StatusOK, "", "Segments and hosts"},
		{"admin header", "/status/state.json", map[string]string{"X-Auth-Token": "admin-token"}, http.StatusOK, "", `"user":"ops"`},
		// Policy: lazarus_api:status:index is admin only by default.
		{"member cookie", "/status", cookie("member-token"), http.StatusForbidden, "", "Policy doesn&#39;t allow lazarus_api:status:index to be performed."},
		{"member json", "/status/state.json", map[string]string{"X-Auth-Token": "member-token"}, http.StatusForbidden, "", "lazarus_api:status:index"},
		{"login form", "/status/login", nil, http.StatusOK, "", `name="password"`},
		// The page's assets need no token.
		{"script", "/status/static/status.js", nil, http.StatusOK, "", "part=live"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := statusGet(t, h, tc.path, tc.hdr)
			b := body(t, res)
			require.Equal(t, tc.status, res.StatusCode, b)
			require.Equal(t, tc.location, res.Header.Get("Location"))
			require.Contains(t, b, tc.contains)
			if strings.HasPrefix(tc.path, "/status") && !strings.HasPrefix(tc.path, "/status/static") {
				require.Contains(t, res.Header.Get("Content-Security-Policy"), "frame-ancestors 'none'")
				require.Equal(t, "no-store", res.Header.Get("Cache-Control"))
			}
		})
	}

	t.Run("password login sets the cookie", func(t *testing.T) {
		res := statusPost(t, h, "/status/login", url.Values{"username": {"ops"}, "password": {"s3cret"}, "project": {"admin"}, "domain": {"Default"}},
			map[string]string{"Origin": "http://example.com"})
		require.Equal(t, http.StatusSeeOther, res.StatusCode, body(t, res))
		require.Equal(t, "/status", res.Header.Get("Location"))
		c := res.Cookies()
		require.Len(t, c, 1)
		require.Equal(t, "lazarus_token", c[0].Name)
		require.Equal(t, "admin-token", c[0].Value)
		require.True(t, c[0].HttpOnly)
		require.Equal(t, http.SameSiteStrictMode, c[0].SameSite)
		require.Equal(t, "/status", c[0].Path)
		require.Equal(t, time.Date(2099, 1, 1, 0, 0, 0, 0, time.UTC), c[0].Expires.UTC())
	})
	t.Run("wrong password", func(t *testing.T) {
		res := statusPost(t, h, "/status/login", url.Values{"username": {"ops"}, "password": {"nope"}, "project": {"admin"}}, nil)
		require.Equal(t, http.StatusUnauthorized, res.StatusCode)
		require.Contains(t, body(t, res), "Keystone refused these credentials.")
		require.Empty(t, res.Cookies())
	})
	t.Run("pasted token", func(t *testing.T) {
		res := statusPost(t, h, "/status/login", url.Values{"token": {"admin-token"}}, nil)
		require.Equal(t, http.StatusSeeOther, res.StatusCode)
		require.Len(t, res.Cookies(), 1)
	})
	t.Run("pasted token of a non-admin", func(t *testing.T) {
		res := statusPost(t, h, "/status/login", url.Values{"token": {"member-token"}}, nil)
		require.Equal(t, http.StatusForbidden, res.StatusCode)
		require.Empty(t, res.Cookies())
	})
	t.Run("cross-origin login", func(t *testing.T) {
		res := statusPost(t, h, "/status/login", url.Values{"token": {"admin-token"}}, map[string]string{"Origin": "http://evil.test"})
		require.Equal(t, http.StatusForbidden, res.StatusCode)
		require.Empty(t, res.Cookies())
	})
	t.Run("logout", func(t *testing.T) {
		res := statusPost(t, h, "/status/logout", nil, nil)
		require.Equal(t, http.StatusSeeOther, res.StatusCode)
		require.Len(t, res.Cookies(), 1)
		require.Equal(t, -1, res.Cookies()[0].MaxAge)
	})
}

// TestStatusPageNoAuth: with noauth2 the page needs no login and says
// authentication is off.
func TestStatusPageNoAuth(t *testing.T) {
	t.Parallel()
	h := api.NewRouter(api.Deps{Store: storetest.NewStore(t), Auth: api.NoAuth{}})
	res := statusGet(t, h, "/status", nil)
	b := body(t, res)
	require.Equal(t, http.StatusOK, res.StatusCode, b)
	require.Contains(t, b, "auth_strategy = noauth2")
	require.Contains(t, b, "No segments yet")
	require.Contains(t, b, "No recoveries yet.")
	res = statusGet(t, h, "/status/login", nil)
	require.Equal(t, http.StatusSeeOther, res.StatusCode)
}

// TestStatusPageShowsTheScene: everything an operator needs is on the page
// and in state.json: fence readiness, heartbeat ages, maintenance reasons,
// the hold with its release commands, and the running recovery's timeline
// and moves.
func TestStatusPageShowsTheScene(t *testing.T) {
	t.Parallel()
	s := storetest.NewStore(t)
	scene := storetest.SeedStatusScene(t, s.Pool())
	h := api.NewRouter(api.Deps{Store: s, Auth: api.NoAuth{}})

	res := statusGet(t, h, "/status/state.json", nil)
	raw := body(t, res)
	require.Equal(t, http.StatusOK, res.StatusCode, raw)
	var st struct {
		HostsTotal  int `json:"hosts_total"`
		HostsAtRisk int `json:"hosts_at_risk"`
		Active      int `json:"active_recoveries"`
		Holds       []struct {
			Host, Segment, Reason string
			ConfirmCLI            string `json:"confirm_cli"`
			ConfirmCurl           string `json:"confirm_curl"`
		} `json:"holds_detail"`
		MonitorsSilent int `json:"monitors_silent"`
		Segments       []struct {
			Name  string
			Hosts []struct {
				Name, Maintenance, Fence, Heartbeat string
				FenceClass                          string   `json:"fence_class"`
				HeartbeatClass                      string   `json:"heartbeat_class"`
				FenceDetail                         []string `json:"fence_detail"`
				ActiveRecovery                      string   `json:"active_recovery"`
				ActiveRecoveryState                 string   `json:"active_recovery_state"`
			}
		}
		ActiveList []struct {
			NotificationUUID string `json:"notification_uuid"`
			Host, State      string
			MovesDone        int `json:"moves_done"`
			Steps            []struct{ Name, State string }
			Moves            []struct{ Instance, From, To, Status string }
		} `json:"active"`
		Recent []struct {
			NotificationUUID string `json:"notification_uuid"`
			State            string
		}
	}
	require.NoError(t, json.Unmarshal([]byte(raw), &st))
	require.Equal(t, 6, st.HostsTotal)
	require.Equal(t, 2, st.Active)
	require.Equal(t, 1, st.MonitorsSilent, "compute-4's monitor is 5 min silent")
	// compute-3 and compute-5 not ready, compute-4 silent.
	require.Equal(t, 3, st.HostsAtRisk)

	hosts := map[string]int{}
	for si, sg := range st.Segments {
		for hi, hh := range sg.Hosts {
			hosts[hh.Name] = si*100 + hi
		}
	}
	host := func(name string) (string, string, string, string, string, string) {
		i := hosts[name]
		hh := st.Segments[i/100].Hosts[i%100]
		return hh.Fence, hh.FenceClass, hh.Heartbeat, hh.HeartbeatClass, hh.Maintenance, hh.ActiveRecoveryState
	}
	for _, tc := range []struct {
		host                                        string
		fence, fenceClass, hbClass, maint, recovery string
	}{
		{"compute-1", "ready", "ok", "muted", "", "RUNNING"},
		{"compute-2", "ready", "ok", "ok", "", ""},
		{"compute-3", "NOT READY", "bad", "ok", "", ""},
		{"compute-4", "ready", "ok", "bad", "set by Lazarus after the host recovery of notification " + scene.Done, ""},
		{"compute-5", "NOT READY", "bad", "ok", "", "HELD"},
		// A manual device waits for an operator; it has no readiness check.
		{"compute-6", "operator confirms", "warn", "muted", "", ""},
	} {
		fence, fenceClass, _, hbClass, maint, rec := host(tc.host)
		require.Equal(t, tc.fence, fence, tc.host)
		require.Equal(t, tc.fenceClass, fenceClass, tc.host)
		require.Equal(t, tc.hbClass, hbClass, tc.host)
		require.True(t, strings.HasPrefix(maint, tc.maint), "%s: maintenance %q", tc.host, maint)
		require.Equal(t, tc.maint == "", maint == "", tc.host)
		require.Equal(t, tc.recovery, rec, tc.host)
	}

	require.Len(t, st.Holds, 1)
	require.Equal(t, "compute-5", st.Holds[0].Host)
	require.Equal(t, "seg-b", st.Holds[0].Segment)
	require.Contains(t, st.Holds[0].Reason, "fencing failed at every level")
	require.Equal(t, "lazarus fence-device confirm seg-b compute-5 --comment 'checked: powered off'", st.Holds[0].ConfirmCLI)
	require.Contains(t, st.Holds[0].ConfirmCurl, "/v1/segments/"+scene.SegB+"/hosts/"+scene.Hosts["compute-5"]+"/fence_confirm")

	require.Len(t, st.ActiveList, 2)
	run := st.ActiveList[0]
	require.Equal(t, scene.Running, run.NotificationUUID, "newest active recovery first")
	require.Equal(t, "RUNNING", run.State)
	var steps []string
	for _, s := range run.Steps {
		steps = append(steps, s.Name+"="+s.State)
	}
	require.Equal(t, []string{"verdict=SUCCESS", "fence=SUCCESS", "force_down=SUCCESS", "select=SUCCESS", "evacuate=RUNNING"}, steps)
	require.Equal(t, 1, run.MovesDone)
	require.Len(t, run.Moves, 4)
	require.Equal(t, "HELD", st.ActiveList[1].State)
	require.Len(t, st.Recent, 1)
	require.Equal(t, scene.Done, st.Recent[0].NotificationUUID)
	require.Equal(t, "FINISHED", st.Recent[0].State)

	// The live fragment follows the database: finishing the moves shows
	// without a new page.
	for _, m := range []struct{ name, dest string }{{"web-2", "compute-3"}, {"db-primary", "compute-2"}, {"cache-1", "compute-2"}} {
		storetest.StatusSceneFinishMove(t, s.Pool(), m.name, m.dest)
	}
	res = statusGet(t, h, "/status?part=live", nil)
	frag := body(t, res)
	require.Equal(t, http.StatusOK, res.StatusCode)
	require.NotContains(t, frag, "<html", "the fragment is only the live part")
	require.Contains(t, frag, `<progress max="4" value="4">`)
	require.Contains(t, frag, "4 of 4 instances done")
	require.Contains(t, frag, "lazarus fence-device confirm seg-b compute-5")

	res = statusGet(t, h, "/status", nil)
	page := body(t, res)
	require.Contains(t, page, `<script src="/status/static/status.js">`)
	require.Contains(t, page, "Held — waiting for you")
}
