// Command lazarus-instancemonitor runs on every compute node. It turns
// libvirt domain events (via a supervised `virsh event --all --loop`) into
// VM notifications, as masakari-instancemonitor does.
package main

import (
	"os"

	"github.com/lazarus-ha/lazarus/cmd/internal/monitorwire"
	"github.com/lazarus-ha/lazarus/monitors/event"
	"github.com/lazarus-ha/lazarus/monitors/instance"
)

func main() {
	os.Exit(monitorwire.Main("lazarus-instancemonitor", event.MonitorInstance, nil, func(e *monitorwire.Env) (monitorwire.Monitor, []any, error) {
		c := e.Config.InstanceMonitor
		mon := instance.New(instance.Config{
			Host:              e.Host,
			URI:               c.ConnectionURI,
			Virsh:             c.VirshPath,
			ReconnectInterval: c.ReconnectInterval,
			WatchdogInterval:  c.WatchdogInterval,
		}, e.Publisher, e.Log, e.Registry)
		return mon, []any{"uri", c.ConnectionURI}, nil
	}))
}
