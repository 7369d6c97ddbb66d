package agent_test

import (
	"fmt"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/lazarus-ha/lazarus/test/ipmisim"
)

// BenchmarkAgentFenceLatency measures off + verified through fence_ipmilan
// (a Python process and ipmitool per action, plus our status read-back)
// against one ipmi_sim BMC, for comparison with go-ipmi's figures.
func BenchmarkAgentFenceLatency(b *testing.B) {
	bmc := ipmisim.Start(b, 1)[0]
	d := ipmilanB(b, bmc)
	var samples []time.Duration
	failures := 0
	for b.Loop() {
		for range 10 {
			if err := bmc.PowerOnHost(); err != nil {
				b.Fatal(err)
			}
			start := time.Now()
			_, err := d.PowerOff(b.Context())
			if err != nil || bmc.HostAlive() {
				failures++
				continue
			}
			samples = append(samples, time.Since(start))
		}
	}
	slices.Sort(samples)
	p := func(q float64) time.Duration {
		if len(samples) == 0 {
			return 0
		}
		return samples[min(len(samples)-1, int(q*float64(len(samples))))]
	}
	b.ReportMetric(float64(p(0.5).Microseconds())/1000, "p50_ms")
	b.ReportMetric(float64(p(0.99).Microseconds())/1000, "p99_ms")
	fmt.Fprintf(os.Stdout, "fence latency (off + verified, fence_ipmilan vs ipmi_sim)  bmcs=1   samples=%-4d p50=%-9s p99=%-9s failures=%d\n",
		len(samples), p(0.5).Round(time.Millisecond), p(0.99).Round(time.Millisecond), failures)
}
