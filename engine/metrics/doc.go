// Package metrics holds lazarus-engine's Prometheus metrics. A nil
// *Metrics is valid and records nothing, so tests need not build one.
package metrics
