// Command lazarus-instancemonitor runs on every compute node. It turns
// libvirt domain events (via a supervised `virsh event --all --loop`) into
// VM notifications, as masakari-instancemonitor does.
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
	"github.com/lazarus-ha/lazarus/monitors/instance"
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
	log := daemon.NewLogger(c, "lazarus-instancemonitor")
	hostname := monitorwire.Hostname(c)
	ctx, stop := daemon.SignalContext()
	defer stop()
	reg := daemon.NewRegistry()
	pub, err := publish.Open(monitorwire.PublishOptions(c, event.MonitorInstance), log, reg)
	if err != nil {
		log.Error("open publisher", "err", err)
		return 1
	}
	mon := instance.New(instance.Config{
		Host:              hostname,
		URI:               c.InstanceMonitor.ConnectionURI,
		Virsh:             c.InstanceMonitor.VirshPath,
		ReconnectInterval: c.InstanceMonitor.ReconnectInterval,
		WatchdogInterval:  c.InstanceMonitor.WatchdogInterval,
	}, pub, log, reg)
	if err := daemon.ServeMetrics(ctx, log, c.Monitors.MetricsListen, reg); err != nil {
		log.Error("serve metrics", "err", err)
		return 1
	}
	log.Info("starting", "host", hostname, "uri", c.InstanceMonitor.ConnectionURI)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); _ = pub.Run(ctx) }()
	err = mon.Run(ctx)
	stop()
	wg.Wait()
	if err != nil {
		log.Error("instance monitor stopped", "err", err)
		return 1
	}
	log.Info("stopped")
	return 0
}
