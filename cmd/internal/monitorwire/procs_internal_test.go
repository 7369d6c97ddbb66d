package monitorwire

import "testing"

func TestMonitorProcs(t *testing.T) {
	for _, tc := range []struct {
		env  string
		want int
	}{
		{"", 1},  // the monitors' default: one P
		{"4", 0}, // the operator's GOMAXPROCS wins
		{"1", 0},
	} {
		if got := monitorProcs(tc.env); got != tc.want {
			t.Errorf("monitorProcs(%q) = %d, want %d", tc.env, got, tc.want)
		}
	}
}
