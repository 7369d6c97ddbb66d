package metrics

import (
	"context"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/lazarus-ha/lazarus/store"
)

// StateStore is what the state collector reads, at scrape time.
type StateStore interface {
	RecoveryCountsActive(ctx context.Context) ([]store.RecoveryCount, error)
	MonitorHeartbeatAges(ctx context.Context, known time.Duration) ([]store.MonitorHeartbeatAge, error)
}

// StateConfig configures the state collector.
type StateConfig struct {
	// IsLeader reports whether this engine leads now.
	IsLeader func() bool
	// KnownWindow: heartbeat ages are exported for the host monitors heard
	// from within it ([engine] monitor_known_window), so a decommissioned
	// host stops being reported. Zero exports every recorded host.
	KnownWindow time.Duration
	// Timeout bounds the queries of one scrape. Default 2s.
	Timeout time.Duration
}

// State is a prometheus.Collector for what the alert rules need to know
// about the whole deployment rather than this engine's own work: whether
// this engine is the leader, how many recoveries are pending, running or
// held (read from PostgreSQL, so every engine reports the same numbers:
// aggregate with max), and how long ago each host monitor's heartbeat
// arrived. A failed query leaves its metrics out of that scrape and counts
// in lazarus_engine_state_query_failures_total.
type State struct {
	st       StateStore
	cfg      StateConfig
	log      *slog.Logger
	failures atomic.Int64

	leaderDesc, recoveriesDesc, ageDesc, failDesc *prometheus.Desc
}

// recoveryStates are always exported, zero when empty, so a rule sees 0
// rather than no series.
var recoveryStates = []string{store.RecoveryStatePending, store.RecoveryStateRunning, store.RecoveryStateHeld}

var recoveryKinds = []string{store.RecoveryKindHost, store.RecoveryKindInstance, store.RecoveryKindProcess}

// NewState returns the collector; register it with the engine's registry.
func NewState(st StateStore, cfg StateConfig, log *slog.Logger) *State {
	if cfg.Timeout <= 0 {
		cfg.Timeout = 2 * time.Second
	}
	return &State{st: st, cfg: cfg, log: log.With("component", "engine.metrics"),
		leaderDesc: prometheus.NewDesc("lazarus_engine_leader",
			"1 while this engine is the elected leader (runs the periodic tasks), else 0.", nil, nil),
		recoveriesDesc: prometheus.NewDesc("lazarus_recoveries",
			"Recoveries not yet done, by kind and state (pending, running, held), across all engines (read from PostgreSQL).",
			[]string{"kind", "state"}, nil),
		ageDesc: prometheus.NewDesc("lazarus_monitor_heartbeat_age_seconds",
			"Seconds since the host monitor of host was last heard from (its last heartbeat, by PostgreSQL's clock), for the monitors heard from within [engine] monitor_known_window.",
			[]string{"host"}, nil),
		failDesc: prometheus.NewDesc("lazarus_engine_state_query_failures_total",
			"Scrapes whose PostgreSQL queries for lazarus_recoveries or lazarus_monitor_heartbeat_age_seconds failed.", nil, nil),
	}
}

// Describe implements prometheus.Collector.
func (s *State) Describe(ch chan<- *prometheus.Desc) {
	ch <- s.leaderDesc
	ch <- s.recoveriesDesc
	ch <- s.ageDesc
	ch <- s.failDesc
}

// Collect implements prometheus.Collector.
func (s *State) Collect(ch chan<- prometheus.Metric) {
	leader := 0.0
	if s.cfg.IsLeader != nil && s.cfg.IsLeader() {
		leader = 1
	}
	ch <- prometheus.MustNewConstMetric(s.leaderDesc, prometheus.GaugeValue, leader)

	ctx, cancel := context.WithTimeout(context.Background(), s.cfg.Timeout)
	defer cancel()
	if counts, err := s.st.RecoveryCountsActive(ctx); err != nil {
		s.fail(ctx, err)
	} else {
		n := map[[2]string]int{}
		for _, c := range counts {
			n[[2]string{c.Kind, c.State}] += c.Count
		}
		for _, k := range recoveryKinds {
			for _, st := range recoveryStates {
				ch <- prometheus.MustNewConstMetric(s.recoveriesDesc, prometheus.GaugeValue, float64(n[[2]string{k, st}]), k, st)
			}
		}
	}
	if ages, err := s.st.MonitorHeartbeatAges(ctx, s.cfg.KnownWindow); err != nil {
		s.fail(ctx, err)
	} else {
		for _, a := range ages {
			ch <- prometheus.MustNewConstMetric(s.ageDesc, prometheus.GaugeValue, a.Age.Seconds(), a.Host)
		}
	}
	ch <- prometheus.MustNewConstMetric(s.failDesc, prometheus.CounterValue, float64(s.failures.Load()))
}

func (s *State) fail(ctx context.Context, err error) {
	if s.failures.Add(1) == 1 {
		s.log.WarnContext(ctx, "state metrics query failed (later failures are only counted)", "err", err)
	}
}
