package host

import (
	"time"

	"github.com/lazarus-ha/lazarus/monitors/event"
)

// Heartbeat returns this monitor's heartbeat: its host, the time, and how
// many peers it currently sees alive on each network. It is safe to call
// from any goroutine.
func (m *Monitor) Heartbeat() *event.Heartbeat {
	alive := make(map[string]int, len(m.nets))
	for _, n := range m.nets {
		alive[n.Name] = 0
	}
	m.mu.Lock()
	for _, nets := range m.alive {
		for n, ok := range nets {
			if ok {
				alive[n]++
			}
		}
	}
	m.mu.Unlock()
	return &event.Heartbeat{Version: event.HeartbeatVersion, Observer: m.cfg.Host, Monitor: event.MonitorHost,
		SentAt: time.Now().UTC(), PeersAlive: alive}
}
