// Command lazarus-hostmonitor runs on every compute node. It watches the
// other compute hosts of its segment with memberlist on one or more
// networks and publishes COMPUTE_HOST STOPPED/STARTED events.
package main

import (
	"flag"
	"fmt"
	"os"
	"strings"
	"sync"

	"github.com/lazarus-ha/lazarus/cmd/internal/config"
	"github.com/lazarus-ha/lazarus/cmd/internal/daemon"
	"github.com/lazarus-ha/lazarus/cmd/internal/monitorwire"
	"github.com/lazarus-ha/lazarus/monitors/event"
	"github.com/lazarus-ha/lazarus/monitors/host"
	"github.com/lazarus-ha/lazarus/monitors/publish"
)

func main() { os.Exit(run()) }

func run() int {
	path := flag.String("config", config.DefaultPath, "configuration file")
	flag.Parse()
	c, err := config.Load(*path, "hostmonitor.networks")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	log := daemon.NewLogger(c, "lazarus-hostmonitor")
	hostname := monitorwire.Hostname(c)
	nets, err := host.ParseNetworks(c.HostMonitor.Networks, c.HostMonitor.Peers)
	if err != nil {
		log.Error("bad configuration", "err", err)
		return 2
	}
	gossipKey, err := host.ParseGossipKey(c.HostMonitor.GossipKey)
	if err != nil {
		log.Error("bad configuration", "err", err)
		return 2
	}
	var action []string
	if a := strings.TrimSpace(c.HostMonitor.IsolationAction); a != "" && a != "none" {
		action = strings.Fields(a)
	}
	ctx, stop := daemon.SignalContext()
	defer stop()
	reg := daemon.NewRegistry()
	pub, err := publish.Open(monitorwire.PublishOptions(c, event.MonitorHost), log, reg)
	if err != nil {
		log.Error("open publisher", "err", err)
		return 1
	}
	mon, err := host.New(host.Config{
		Host:               hostname,
		Networks:           nets,
		IsolationAddresses: c.HostMonitor.IsolationAddresses,
		IsolationTimeout:   c.HostMonitor.IsolationTimeout,
		IsolationAction:    action,
		ProbeInterval:      c.HostMonitor.ProbeInterval,
		ProbeTimeout:       c.HostMonitor.ProbeTimeout,
		SuspicionMult:      c.HostMonitor.SuspicionMult,
		GossipKey:          gossipKey,
	}, pub, log, reg)
	if err != nil {
		log.Error("bad configuration", "err", err)
		return 2
	}
	if err := daemon.ServeMetrics(ctx, log, c.Monitors.MetricsListen, reg); err != nil {
		log.Error("serve metrics", "err", err)
		return 1
	}
	log.Info("starting", "host", hostname, "networks", c.HostMonitor.Networks)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); _ = pub.Run(ctx) }()
	if iv := c.HostMonitor.HeartbeatInterval; iv > 0 && (c.Monitors.Transport == "" || c.Monitors.Transport == "amqp") {
		sender := publish.NewHeartbeatSender(c.Default.TransportURL, c.Default.NotificationQueue)
		beats := publish.NewHeartbeats(iv, mon.Heartbeat, sender, log, reg)
		wg.Go(func() { beats.Run(ctx); _ = sender.Close() })
	} else if iv > 0 {
		log.Info("heartbeats need [monitors] transport = amqp; none are sent", "transport", c.Monitors.Transport)
	}
	err = mon.Run(ctx)
	stop()
	wg.Wait()
	if err != nil {
		log.Error("host monitor stopped", "err", err)
		return 1
	}
	log.Info("stopped")
	return 0
}
