// Command lazarus-hostmonitor runs on every compute node. It watches the
// other compute hosts of its segment with memberlist on one or more
// networks and publishes COMPUTE_HOST STOPPED/STARTED events.
package main

import (
	"context"
	"os"
	"strings"

	"github.com/lazarus-ha/lazarus/cmd/internal/monitorwire"
	"github.com/lazarus-ha/lazarus/monitors/event"
	"github.com/lazarus-ha/lazarus/monitors/host"
	"github.com/lazarus-ha/lazarus/monitors/publish"
)

func main() {
	os.Exit(monitorwire.Main("lazarus-hostmonitor", event.MonitorHost, []string{"hostmonitor.networks"}, build))
}

func build(e *monitorwire.Env) (monitorwire.Monitor, []any, error) {
	c := e.Config
	hm := c.HostMonitor
	nets, err := host.ParseNetworks(hm.Networks, hm.Peers)
	if err != nil {
		return nil, nil, err
	}
	gossipKey, err := host.ParseGossipKey(hm.GossipKey)
	if err != nil {
		return nil, nil, err
	}
	var action []string
	if a := strings.TrimSpace(hm.IsolationAction); a != "" && a != "none" {
		action = strings.Fields(a)
	}
	mon, err := host.New(host.Config{
		Host:               e.Host,
		Networks:           nets,
		IsolationAddresses: hm.IsolationAddresses,
		IsolationTimeout:   hm.IsolationTimeout,
		IsolationAction:    action,
		ProbeInterval:      hm.ProbeInterval,
		ProbeTimeout:       hm.ProbeTimeout,
		SuspicionMult:      hm.SuspicionMult,
		GossipKey:          gossipKey,
	}, e.Publisher, e.Log, e.Registry)
	if err != nil {
		return nil, nil, err
	}
	if iv := hm.HeartbeatInterval; iv > 0 && (c.Monitors.Transport == "" || c.Monitors.Transport == "amqp") {
		sender, err := publish.NewHeartbeatSender(c.Default.TransportURL, c.Default.NotificationQueue)
		if err != nil {
			return nil, nil, err
		}
		beats := publish.NewHeartbeats(iv, mon.Heartbeat, sender, e.Log, e.Registry)
		e.Background(func(ctx context.Context) { beats.Run(ctx); _ = sender.Close() })
	} else if iv > 0 {
		e.Log.Info("heartbeats need [monitors] transport = amqp; none are sent", "transport", c.Monitors.Transport)
	}
	return mon, []any{"networks", hm.Networks}, nil
}
