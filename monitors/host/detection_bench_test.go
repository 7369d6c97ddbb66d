package host

import (
	"fmt"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/lazarus-ha/lazarus/monitors/event"
)

// BenchmarkDetectionLatency measures, on the three-host lab with the
// default detector settings (probe_interval 500ms, probe_timeout 300ms,
// suspicion_mult 3), the time from cutting both cables of a host to each
// observer's STOPPED event arriving from the broker. The event is consumed
// after the broker confirmed it to the publisher, so the figure includes
// detection, settle time, spooling (fsync) and the confirmed publish.
// Run with `make bench` (-benchtime 1x): one iteration is a whole run of
// rounds.
func BenchmarkDetectionLatency(b *testing.B) {
	const rounds = 6
	for i := 0; i < b.N; i++ {
		l := newLab(b, labOptions{hosts: 3})
		l.waitAllUp(60 * time.Second)
		var lat []time.Duration
		for r := 0; r < rounds; r++ {
			victim := l.hosts[r%len(l.hosts)]
			var observers []*labHost
			for _, h := range l.hosts {
				if h != victim {
					observers = append(observers, h)
				}
			}
			seen := len(l.eventsWhere(func(*event.Event) bool { return true }))
			victimLogs := victim.logCount()
			cut := time.Now()
			l.link(victim, 0, false)
			l.link(victim, 1, false)
			for _, obs := range observers {
				_, at := l.waitEvent(60*time.Second, "STOPPED", nthMatch(l, seen, hostEvent(obs.name, victim.name, event.EventStopped)))
				lat = append(lat, at.Sub(cut))
			}
			l.link(victim, 0, true)
			l.link(victim, 1, true)
			for _, obs := range observers {
				l.waitEvent(60*time.Second, "STARTED", nthMatch(l, seen, hostEvent(obs.name, victim.name, event.EventStarted)))
			}
			// Let the victim's own view settle back before the next round:
			// every peer it marked degraded or down since the cut is up again.
			l.waitCond(60*time.Second, "victim's view healed", func() bool {
				for _, obs := range observers {
					if s := victim.lastStatusAfter(victimLogs, obs.name); s != "" && s != "up" {
						return false
					}
				}
				return true
			})
		}
		slices.Sort(lat)
		p50, p99 := percentile(lat, 50), percentile(lat, 99)
		b.ReportMetric(p50.Seconds(), "p50_s")
		b.ReportMetric(p99.Seconds(), "p99_s")
		fmt.Fprintf(os.Stdout, "\nhost detection latency (cut both links → STOPPED consumed from the broker), 3 hosts, %d samples\n", len(lat))
		fmt.Fprintf(os.Stdout, "  %-6s %8s\n", "stat", "seconds")
		fmt.Fprintf(os.Stdout, "  %-6s %8.2f\n  %-6s %8.2f\n  %-6s %8.2f\n  %-6s %8.2f\n",
			"min", lat[0].Seconds(), "p50", p50.Seconds(), "p99", p99.Seconds(), "max", lat[len(lat)-1].Seconds())
	}
}

// nthMatch matches events after the first skip events received.
func nthMatch(l *lab, skip int, match func(*event.Event) bool) func(*event.Event) bool {
	return func(e *event.Event) bool {
		// waitEvent walks l.events in order under l.mu; find e's index.
		for i, x := range l.events {
			if x == e {
				return i >= skip && match(e)
			}
		}
		return false
	}
}

// percentile is the nearest-rank percentile of sorted d.
func percentile(d []time.Duration, p int) time.Duration {
	if len(d) == 0 {
		return 0
	}
	i := (p*len(d)+99)/100 - 1
	return d[max(0, min(i, len(d)-1))]
}
