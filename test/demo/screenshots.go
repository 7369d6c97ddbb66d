package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/lazarus-ha/lazarus/test/browser"
)

// shooter keeps one headless Chromium tab on lazarus-api's status page for
// the whole demo and saves screenshots of it at the demo's moments. The
// tab is never reloaded: what changes on it comes from the page's own
// polling.
type shooter struct {
	ctx  context.Context
	stop context.CancelFunc
	dir  string
	// Saved lists the screenshots taken, in order.
	Saved []string
}

func startShooter(ctx context.Context, dir, statusURL string) (*shooter, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	bctx, stop, err := browser.Launch(ctx, os.TempDir())
	if err != nil {
		return nil, err
	}
	s := &shooter{ctx: bctx, stop: stop, dir: dir}
	if err := chromedp.Do(bctx, chromedp.Navigate(statusURL), chromedp.WaitVisible(`#live`)); err != nil {
		stop()
		return nil, fmt.Errorf("open %s: %w", statusURL, err)
	}
	return s, nil
}

func (s *shooter) shot(name string) error {
	p := filepath.Join(s.dir, name)
	if err := browser.Screenshot(s.ctx, p); err != nil {
		return err
	}
	s.Saved = append(s.Saved, p)
	fmt.Printf("    screenshot %s\n", p)
	return nil
}

// waitFor waits until the page shows what the JavaScript predicate tests.
func (s *shooter) waitFor(ctx context.Context, what, predicate string, limit time.Duration) error {
	wctx, cancel := context.WithTimeout(s.ctx, limit)
	defer cancel()
	stop := context.AfterFunc(ctx, cancel)
	defer stop()
	if _, err := chromedp.Run(wctx, chromedp.Poll[bool](predicate, chromedp.WithPollingInterval(100*time.Millisecond))); err != nil {
		return fmt.Errorf("status page never showed %s within %s: %w", what, limit, err)
	}
	return nil
}

// Page predicates: an active recovery with an instance on its way, and a
// finished one with every instance moved. (The first used to ask for one
// instance moved and one still moving; with every evacuation started at
// once, as the engine now does, they mostly finish together and that
// moment may never come.)
const (
	pageShowsMoving = `(function () {
		var r = document.querySelector('details.recovery.run');
		return r !== null && r.querySelector('table.moves-table .badge.run') !== null;
	})()`
	pageShowsFinished = `(function () {
		var r = document.querySelector('details.recovery.ok');
		return document.querySelector('details.recovery.run') === null && r !== null &&
			r.querySelector('.badge.ok').textContent === 'FINISHED';
	})()`
)

func (s *shooter) close() { s.stop() }
