package ipmi_test

import (
	"fmt"
	"os"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/lazarus-ha/lazarus/fencing/ipmi"
	"github.com/lazarus-ha/lazarus/test/ipmisim"
)

// BenchmarkFenceLatency measures power off + verified read-back against
// real ipmi_sim BMCs, with 1 and 50 hosts fenced at the same time, using
// the product defaults (cipher suite 3, 2s exchange timeout, 1s poll). Each
// round powers every host on behind the BMC's back and fences them all in
// parallel; it prints p50/p99 over every sample. Run with make bench.
func BenchmarkFenceLatency(b *testing.B) {
	for _, n := range []int{1, 50} {
		b.Run(fmt.Sprintf("bmcs=%d", n), func(b *testing.B) {
			bmcs := ipmisim.Start(b, n)
			devs := make([]*ipmi.Device, n)
			for i, bmc := range bmcs {
				d, err := ipmi.New(ipmi.Config{Address: bmc.Address, Port: bmc.Port, Username: bmc.Username,
					Password: bmc.Password, CipherSuite: bmc.CipherSuite, Retries: 2})
				if err != nil {
					b.Fatal(err)
				}
				devs[i] = d
			}
			rounds := max(100/n, 4)
			var samples []time.Duration
			var failures int
			var firstErr string
			for b.Loop() {
				for range rounds {
					for _, bmc := range bmcs {
						if err := bmc.PowerOnHost(); err != nil {
							b.Fatal(err)
						}
					}
					lat := make([]time.Duration, n)
					errs := make([]error, n)
					var wg sync.WaitGroup
					for i, d := range devs {
						wg.Go(func() {
							start := time.Now()
							_, errs[i] = d.PowerOff(b.Context())
							lat[i] = time.Since(start)
						})
					}
					wg.Wait()
					for i := range n {
						if errs[i] != nil || bmcs[i].HostAlive() {
							failures++
							if firstErr == "" {
								firstErr = fmt.Sprintf("%s: err=%v host_alive=%v", bmcs[i].Name, errs[i], bmcs[i].HostAlive())
							}
							continue
						}
						samples = append(samples, lat[i])
					}
				}
			}
			slices.Sort(samples)
			p := func(q float64) time.Duration {
				if len(samples) == 0 {
					return 0
				}
				return samples[min(len(samples)-1, int(q*float64(len(samples))))]
			}
			b.ReportMetric(float64(p(0.50).Microseconds())/1000, "p50_ms")
			b.ReportMetric(float64(p(0.99).Microseconds())/1000, "p99_ms")
			b.ReportMetric(float64(failures), "failures")
			fmt.Fprintf(os.Stdout, "fence latency (off + verified, go-ipmi vs ipmi_sim)  bmcs=%-3d samples=%-4d p50=%-9s p99=%-9s max=%-9s failures=%d\n",
				n, len(samples), p(0.50).Round(10*time.Microsecond), p(0.99).Round(10*time.Microsecond), p(1).Round(10*time.Microsecond), failures)
			if firstErr != "" {
				fmt.Fprintf(os.Stdout, "  first failure: %s\n", firstErr)
			}
		})
	}
}
