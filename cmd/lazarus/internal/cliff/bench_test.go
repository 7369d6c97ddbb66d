package cliff

import (
	"fmt"
	"io"
	"strings"
	"testing"
)

// BenchmarkEmitList prints 1000 notification rows in each list format and
// reports rows per second (the openstack CLI's own formatting of the same
// rows takes a visible fraction of its ~1 s run).
func BenchmarkEmitList(b *testing.B) {
	var sb strings.Builder
	sb.WriteString("[")
	for i := range 1000 {
		if i > 0 {
			sb.WriteString(",")
		}
		fmt.Fprintf(&sb, `["2f7c0c4e-6a52-4b1f-8d1d-6a3b1e0f%04d", "2026-01-02T03:04:05.000000", "finished", "COMPUTE_HOST",
			"1f7c0c4e-6a52-4b1f-8d1d-6a3b1e0f5c12", {"event": "STOPPED", "host_status": "NORMAL", "cluster_status": "OFFLINE"}]`, i)
	}
	sb.WriteString("]")
	v, err := Decode([]byte(sb.String()))
	if err != nil {
		b.Fatal(err)
	}
	var rows [][]any
	for _, r := range v.([]any) {
		rows = append(rows, r.([]any))
	}
	cols := []string{"notification_uuid", "generated_time", "status", "type", "source_host_uuid", "payload"}
	for _, f := range ListFormats {
		b.Run(f, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := EmitList(io.Discard, cols, rows, Options{Format: f}); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(len(rows)*b.N)/b.Elapsed().Seconds(), "rows/s")
		})
	}
}
