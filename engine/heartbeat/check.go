package heartbeat

import (
	"context"
	"fmt"
	"time"
)

// CheckConfig holds the [engine] monitor_* options.
type CheckConfig struct {
	// KnownWindow: a monitor heard from within it counts as deployed.
	KnownWindow time.Duration
	// StaleAfter: a known monitor not heard from for this long is silent.
	StaleAfter time.Duration
	// MaxSilentRatio: more than this share of known monitors silent fails
	// the check.
	MaxSilentRatio float64
}

// Decide judges the counts: known monitors heard from within KnownWindow,
// fresh of them within StaleAfter. It returns nil when the engine may
// trust its view, else an error saying why not.
func Decide(known, fresh int, cfg CheckConfig) error {
	if known <= 0 {
		return nil
	}
	silent := known - max(fresh, 0)
	if float64(silent)/float64(known) > cfg.MaxSilentRatio {
		return fmt.Errorf("heard from %d of %d host monitors in the last %s (%d silent, more than monitor_max_silent_ratio %.2f)",
			fresh, known, cfg.StaleAfter, silent, cfg.MaxSilentRatio)
	}
	return nil
}

// Check is the monitor-reachability self-check; it implements
// brake.SelfCheck.
type Check struct {
	st  Store
	cfg CheckConfig
}

// NewCheck returns the check over the heartbeats in st.
func NewCheck(st Store, cfg CheckConfig) *Check { return &Check{st: st, cfg: cfg} }

// Check counts the monitors and decides.
func (c *Check) Check(ctx context.Context) error {
	known, fresh, err := c.st.MonitorHeartbeatCounts(ctx, c.cfg.KnownWindow, c.cfg.StaleAfter)
	if err != nil {
		return fmt.Errorf("read monitor heartbeats: %w", err)
	}
	return Decide(known, fresh, c.cfg)
}
