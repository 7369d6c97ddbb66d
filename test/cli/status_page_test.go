package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/lazarus-ha/lazarus/store/storetest"
	"github.com/lazarus-ha/lazarus/test/browser"
)

// screenshotDir is where a test saves its screenshots:
// $LAZARUS_SCREENSHOT_DIR/<test> when set, else the test's artifact
// directory (kept with go test -artifacts -outputdir DIR).
func screenshotDir(t *testing.T) string {
	t.Helper()
	if d := os.Getenv("LAZARUS_SCREENSHOT_DIR"); d != "" {
		dir := filepath.Join(d, t.Name())
		require.NoError(t, os.MkdirAll(dir, 0o755))
		return dir
	}
	return t.ArtifactDir()
}

// fakeKeystone is a Keystone v3 that knows the lazarus service user and
// one operator, ops/s3cret in project admin, whose token has the admin
// role.
func fakeKeystone(t *testing.T) *httptest.Server {
	t.Helper()
	exp := time.Now().Add(time.Hour).UTC().Format(time.RFC3339)
	ks := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch {
		case r.Method == http.MethodPost && r.URL.Path == "/v3/auth/tokens":
			var req struct {
				Auth struct {
					Identity struct {
						Password struct {
							User struct{ Name, Password string }
						}
					}
				}
			}
			_ = json.NewDecoder(r.Body).Decode(&req)
			u := req.Auth.Identity.Password.User
			tok := map[string]string{"lazarus/secret": "svc", "ops/s3cret": "ops-token"}[u.Name+"/"+u.Password]
			if tok == "" {
				w.WriteHeader(http.StatusUnauthorized)
				return
			}
			w.Header().Set("X-Subject-Token", tok)
			w.WriteHeader(http.StatusCreated)
			fmt.Fprintf(w, `{"token": {"expires_at": %q, "user": {"id": %q}, "catalog": []}}`, exp, u.Name)
		case r.Method == http.MethodGet && r.URL.Path == "/v3/auth/tokens" && r.Header.Get("X-Auth-Token") == "svc":
			if r.Header.Get("X-Subject-Token") != "ops-token" {
				w.WriteHeader(http.StatusNotFound)
				return
			}
			fmt.Fprintf(w, `{"token": {"expires_at": %q, "user": {"id": "ops"}, "project": {"id": "admin"}, "roles": [{"name": "admin"}]}}`, exp)
		default:
			w.WriteHeader(http.StatusUnauthorized)
		}
	}))
	t.Cleanup(ks.Close)
	return ks
}

// TestStatusPageInBrowser opens the status page of a real lazarus-api
// (keystone auth) in headless Chromium: the login form, the page over the
// storetest status scene (a running recovery, a hold, unready fencing, a
// silent monitor, maintenance set by Lazarus), then the running recovery's
// remaining instances finish in the database and the page shows it
// without being reloaded. Screenshots go to screenshotDir.
func TestStatusPageInBrowser(t *testing.T) {
	t.Parallel()
	ks := fakeKeystone(t)
	dbURL := storetest.NewMigratedDatabase(t)
	pool, err := pgxpool.New(context.Background(), dbURL)
	require.NoError(t, err)
	t.Cleanup(pool.Close)
	storetest.SeedStatusScene(t, pool)
	_, addr := startAPIWith(t, apiOptions{DBURL: dbURL, Keystone: "auth_url = " + ks.URL + "/v3\nusername = lazarus\npassword = secret\nproject_name = service\n"})
	base := "http://" + addr
	dir := screenshotDir(t)
	ctx := browser.New(t, 2*time.Minute)
	shot := func(name string) {
		t.Helper()
		p := filepath.Join(dir, name)
		require.NoError(t, browser.Screenshot(ctx, p))
		t.Logf("screenshot %s", p)
	}

	do := func(steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		require.NoError(t, chromedp.Do(ctx, steps...))
	}
	text := func(sel string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Text(sel))
		require.NoError(t, err, sel)
		return s
	}
	location := func() string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Location())
		require.NoError(t, err)
		return s
	}

	// Without a token the page sends the browser to the login form.
	do(chromedp.Navigate(base+"/status"), chromedp.WaitVisible(`input[name=username]`))
	require.Equal(t, base+"/status/login", location())
	shot("status-login.png")

	// A wrong password is refused on the form.
	do(chromedp.SendKeys(`input[name=username]`, "ops"),
		chromedp.SendKeys(`input[name=password]`, "wrong"),
		chromedp.SendKeys(`input[name=project]`, "admin"),
		chromedp.Submit(`input[name=password]`),
		chromedp.WaitVisible(`.message.bad`))
	require.Equal(t, "Keystone refused these credentials.", text(`.message.bad`))

	// The right one: lazarus-api asks Keystone, keeps the token in the
	// cookie and shows the page.
	// The form keeps the user and project, never the password.
	do(chromedp.SendKeys(`input[name=password]`, "s3cret"),
		chromedp.Submit(`input[name=password]`),
		chromedp.WaitVisible(`#live`))
	require.Equal(t, base+"/status", location())
	require.Contains(t, text(`.who`), "ops")
	holds := text(`.holds`)
	require.Contains(t, holds, "compute-5")
	require.Contains(t, holds, "lazarus fence-device confirm seg-b compute-5")
	hostRows := text(`#live`)
	require.Contains(t, hostRows, "NOT READY")
	require.Contains(t, hostRows, "(silent)")
	require.Contains(t, hostRows, "set by Lazarus after the host recovery")
	shot("status-running.png")

	// Mark the document: a reload would lose the mark.
	_, err = chromedp.Run(ctx, chromedp.Evaluate[bool](`window.lazarusMark = "same page"; true`))
	require.NoError(t, err)
	for _, m := range []struct{ name, dest string }{{"web-2", "compute-3"}, {"db-primary", "compute-2"}, {"cache-1", "compute-2"}} {
		storetest.StatusSceneFinishMove(t, pool, m.name, m.dest)
	}
	const running = `details[data-id="a0000000-0000-4000-8000-000000000001"]`
	_, err = chromedp.Run(ctx, chromedp.Poll[bool](`(function () {
			var m = document.querySelector('`+running+` .moves');
			return m !== null && m.textContent.includes("4/4");
		})()`, chromedp.WithPollingTimeout(30*time.Second)))
	require.NoError(t, err, "the page did not show the finished moves")
	mark, err := chromedp.Run(ctx, chromedp.Evaluate[string](`window.lazarusMark`))
	require.NoError(t, err)
	require.Equal(t, "same page", mark, "the page updated without a reload")
	polls, err := chromedp.Run(ctx, chromedp.AttributeValue(`body`, "data-polls"))
	require.NoError(t, err)
	require.True(t, polls.Exists, "the script refreshed the live part")
	evac := text(running + ` tr[data-step=evacuate]`)
	require.Contains(t, evac, "4 of 4 instances done")
	require.Contains(t, evac, "SUCCESS")
	shot("status-updated.png")

	// Logging out forgets the token.
	do(chromedp.Click(`.bar button`),
		chromedp.WaitVisible(`input[name=username]`),
		chromedp.Navigate(base+"/status"),
		chromedp.WaitVisible(`input[name=username]`))
	require.True(t, strings.HasSuffix(location(), "/status/login"), location())
}
