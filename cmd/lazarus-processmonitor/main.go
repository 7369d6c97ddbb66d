// Command lazarus-processmonitor runs on every compute node. It keeps the
// processes of process_list.yaml (Masakari's format) running and publishes
// PROCESS STOPPED/STARTED events for those it cannot restart.
package main

import (
	"flag"
	"fmt"
	"os"
	"sync"

	"github.com/lazarus-ha/lazarus/cmd/internal/config"
	"github.com/lazarus-ha/lazarus/cmd/internal/daemon"
	"github.com/lazarus-ha/lazarus/cmd/internal/monitorwire"
	"github.com/lazarus-ha/lazarus/monitors/event"
	"github.com/lazarus-ha/lazarus/monitors/process"
	"github.com/lazarus-ha/lazarus/monitors/publish"
)

func main() { os.Exit(run()) }

func run() int {
	path := flag.String("config", config.DefaultPath, "configuration file")
	flag.Parse()
	c, err := config.Load(*path)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	log := daemon.NewLogger(c, "lazarus-processmonitor")
	hostname := monitorwire.Hostname(c)
	ctx, stop := daemon.SignalContext()
	defer stop()
	reg := daemon.NewRegistry()
	pub, err := publish.Open(monitorwire.PublishOptions(c, event.MonitorProcess), log, reg)
	if err != nil {
		log.Error("open publisher", "err", err)
		return 1
	}
	mon, err := process.New(process.Config{
		Host:            hostname,
		ListPath:        c.ProcessMonitor.ProcessListPath,
		CheckInterval:   c.ProcessMonitor.CheckInterval,
		RestartRetries:  c.ProcessMonitor.RestartRetries,
		RestartInterval: c.ProcessMonitor.RestartInterval,
	}, pub, log, reg)
	if err != nil {
		log.Error("bad process list", "err", err)
		return 2
	}
	if err := daemon.ServeMetrics(ctx, log, c.Monitors.MetricsListen, reg); err != nil {
		log.Error("serve metrics", "err", err)
		return 1
	}
	log.Info("starting", "host", hostname, "process_list", c.ProcessMonitor.ProcessListPath)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); _ = pub.Run(ctx) }()
	err = mon.Run(ctx)
	stop()
	wg.Wait()
	if err != nil {
		log.Error("process monitor stopped", "err", err)
		return 1
	}
	log.Info("stopped")
	return 0
}
