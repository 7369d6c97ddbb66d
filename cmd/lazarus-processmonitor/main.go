// Command lazarus-processmonitor runs on every compute node. It keeps the
// processes of process_list.yaml (Masakari's format) running and publishes
// PROCESS STOPPED/STARTED events for those it cannot restart.
package main

import (
	"os"

	"github.com/lazarus-ha/lazarus/cmd/internal/monitorwire"
	"github.com/lazarus-ha/lazarus/monitors/event"
	"github.com/lazarus-ha/lazarus/monitors/process"
)

func main() {
	os.Exit(monitorwire.Main("lazarus-processmonitor", event.MonitorProcess, nil, func(e *monitorwire.Env) (monitorwire.Monitor, []any, error) {
		c := e.Config.ProcessMonitor
		mon, err := process.New(process.Config{
			Host:            e.Host,
			ListPath:        c.ProcessListPath,
			CheckInterval:   c.CheckInterval,
			RestartRetries:  c.RestartRetries,
			RestartInterval: c.RestartInterval,
		}, e.Publisher, e.Log, e.Registry)
		if err != nil {
			return nil, nil, err
		}
		return mon, []any{"process_list", c.ProcessListPath}, nil
	}))
}
