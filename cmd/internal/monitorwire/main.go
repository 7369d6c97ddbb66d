package monitorwire

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"runtime"
	"sync"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/lazarus-ha/lazarus/cmd/internal/config"
	"github.com/lazarus-ha/lazarus/cmd/internal/daemon"
	"github.com/lazarus-ha/lazarus/monitors/publish"
)

// Env is what a monitor binary gets to build its monitor: the loaded
// configuration, its logger and registry, this node's name, and the open
// publisher the monitor's events go through.
type Env struct {
	Config    *config.Config
	Log       *slog.Logger
	Registry  *prometheus.Registry
	Publisher *publish.Publisher
	Host      string

	background []func(context.Context)
}

// Background runs fn beside the monitor, with the context the monitor runs
// under; Main waits for it before it exits.
func (e *Env) Background(fn func(context.Context)) { e.background = append(e.background, fn) }

// Monitor is a monitor's run loop: it returns when ctx ends (nil) or when
// it cannot go on.
type Monitor interface {
	Run(ctx context.Context) error
}

// Main is the whole life of a monitor binary named component publishing as
// monitor (event.MonitorHost, …): flags, config (with the required keys),
// logger, signals, publisher, build, metrics, run, stop. It returns the
// exit status: 2 for a configuration problem, 1 for a failure at run time.
// build returns the monitor and extra key/value pairs for the start log.
func Main(component, monitor string, required []string, build func(*Env) (Monitor, []any, error)) int {
	if n := monitorProcs(os.Getenv("GOMAXPROCS")); n > 0 {
		runtime.GOMAXPROCS(n)
	}
	path := flag.String("config", config.DefaultPath, "configuration file")
	// The three monitors of a node share one lazarus.conf but each needs a
	// /metrics port of its own (the systemd units read it from
	// /etc/default/lazarus-<monitor>).
	metricsListen := flag.String("metrics-listen", "", "address of this monitor's /metrics endpoint; overrides [monitors] metrics_listen")
	flag.Parse()
	c, err := config.Load(*path, required...)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	if *metricsListen != "" {
		c.Monitors.MetricsListen = *metricsListen
	}
	log := daemon.NewLogger(c, component)
	ctx, stop := daemon.SignalContext()
	defer stop()
	env := &Env{Config: c, Log: log, Registry: daemon.NewRegistry(), Host: Hostname(c)}
	env.Publisher, err = publish.Open(PublishOptions(c, monitor), log, env.Registry)
	if err != nil {
		log.Error("open publisher", "err", err)
		return 1
	}
	mon, attrs, err := build(env)
	if err != nil {
		log.Error("bad configuration", "err", err)
		return 2
	}
	if err := daemon.ServeMetrics(ctx, log, c.Monitors.MetricsListen, env.Registry); err != nil {
		log.Error("serve metrics", "err", err)
		return 1
	}
	log.Info("starting", append([]any{"host", env.Host}, attrs...)...)
	var wg sync.WaitGroup
	wg.Go(func() { _ = env.Publisher.Run(ctx) })
	for _, fn := range env.background {
		wg.Go(func() { fn(ctx) })
	}
	err = mon.Run(ctx)
	stop()
	wg.Wait()
	if err != nil {
		log.Error(component+" stopped", "err", err)
		return 1
	}
	log.Info("stopped")
	return 0
}

// monitorProcs is how many Ps a monitor runs with: 1 unless GOMAXPROCS is
// set (0: leave the runtime's choice). A monitor's work is a few packets
// and timers a second; with a P per core the runtime wakes idle threads to
// spin at each of them, which cost the idle host monitor 0.47–0.65 % of a
// core on 2 cores against 0.32–0.37 % with one (make bench's footprint
// rows, 2026-12-04).
func monitorProcs(env string) int {
	if env != "" {
		return 0
	}
	return 1
}
