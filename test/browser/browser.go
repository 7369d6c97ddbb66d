// Package browser drives Debian's headless Chromium (package chromium)
// through the DevTools protocol (chromedp) for the tests and the demo that
// look at pages as an operator would: open a page, wait for something on
// it, take a screenshot. Chromium runs with a fresh profile and with every
// background network feature off, so it talks only to the pages it is
// sent to.
package browser

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// ExecPath is where Debian's chromium package installs the browser.
const ExecPath = "/usr/bin/chromium"

// ErrNoChromium means the chromium package is not installed.
var ErrNoChromium = errors.New("chromium is not installed (apt-get install chromium; test/services.sh installs it)")

// Launch starts headless Chromium with a fresh profile under dir and
// returns a context bound to its first tab; cancel stops the browser.
func Launch(ctx context.Context, dir string) (context.Context, context.CancelFunc, error) {
	path := ExecPath
	if _, err := os.Stat(path); err != nil {
		p, lerr := exec.LookPath("chromium")
		if lerr != nil {
			return nil, nil, ErrNoChromium
		}
		path = p
	}
	profile, err := os.MkdirTemp(dir, "chromium-profile-")
	if err != nil {
		return nil, nil, err
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.UserDataDir(profile),
		chromedp.WindowSize(1400, 1000),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-default-apps", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("hide-scrollbars", true),
		chromedp.Flag("mute-audio", true),
	}
	actx, acancel := chromedp.NewExecAllocator(ctx, opts...)
	bctx, bcancel := chromedp.NewContext(actx)
	// Start the browser now, so a broken install fails here.
	if err := chromedp.Do(bctx); err != nil {
		bcancel()
		acancel()
		_ = os.RemoveAll(profile)
		return nil, nil, fmt.Errorf("start chromium: %w", err)
	}
	return bctx, func() {
		bcancel()
		acancel()
		_ = os.RemoveAll(profile)
	}, nil
}

// New is Launch for a test: it fails the test when Chromium cannot start
// and stops it at cleanup. The browser context times out after timeout.
func New(t testing.TB, timeout time.Duration) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	t.Cleanup(cancel)
	bctx, stop, err := Launch(ctx, t.TempDir())
	if err != nil {
		t.Fatalf("headless chromium: %v", err)
	}
	t.Cleanup(stop)
	return bctx
}

// Screenshot saves a PNG of the whole page (not only the viewport) to
// path, creating its directory.
func Screenshot(ctx context.Context, path string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	buf, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		return fmt.Errorf("screenshot %s: %w", path, err)
	}
	return os.WriteFile(path, buf, 0o644)
}
