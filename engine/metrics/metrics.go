package metrics

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Metrics are the engine's counters and histograms.
type Metrics struct {
	notifications *prometheus.CounterVec
	steps         *prometheus.HistogramVec
	fences        *prometheus.CounterVec
	evacuations   *prometheus.CounterVec
	intake        *prometheus.CounterVec
	active        prometheus.Gauge
}

// New registers the engine's metrics with reg.
func New(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		notifications: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "lazarus_engine_notifications_total",
			Help: "Notifications the engine finished processing, by type and final status.",
		}, []string{"type", "status"}),
		steps: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "lazarus_engine_recovery_step_duration_seconds",
			Help:    "Duration of recovery steps, by flow and step.",
			Buckets: []float64{.005, .01, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60, 120, 300},
		}, []string{"flow", "step"}),
		fences: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "lazarus_engine_fences_total",
			Help: "Fence attempts by result: verified, failed, manual, confirmed (by an operator), held (storm brake).",
		}, []string{"result"}),
		evacuations: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "lazarus_engine_evacuations_total",
			Help: "Instance evacuations by result: succeeded, failed, retried.",
		}, []string{"result"}),
		intake: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "lazarus_engine_intake_messages_total",
			Help: "Messages consumed from the notification queue, by outcome: inserted, duplicate, redelivered, maintenance, dead_lettered, retried.",
		}, []string{"result"}),
		active: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "lazarus_engine_recoveries_running",
			Help: "Recoveries this engine is running now.",
		}),
	}
	reg.MustRegister(m.notifications, m.steps, m.fences, m.evacuations, m.intake, m.active)
	return m
}

// Notification counts a notification that reached status.
func (m *Metrics) Notification(typ, status string) {
	if m != nil {
		m.notifications.WithLabelValues(typ, status).Inc()
	}
}

// Step observes one step's duration.
func (m *Metrics) Step(flow, step string, d time.Duration) {
	if m != nil {
		m.steps.WithLabelValues(flow, step).Observe(d.Seconds())
	}
}

// Fence counts a fence attempt's result.
func (m *Metrics) Fence(result string) {
	if m != nil {
		m.fences.WithLabelValues(result).Inc()
	}
}

// Evacuation counts an instance evacuation's result.
func (m *Metrics) Evacuation(result string) {
	if m != nil {
		m.evacuations.WithLabelValues(result).Inc()
	}
}

// Intake counts a consumed message's outcome.
func (m *Metrics) Intake(result string) {
	if m != nil {
		m.intake.WithLabelValues(result).Inc()
	}
}

// Running adds delta to the running-recoveries gauge.
func (m *Metrics) Running(delta float64) {
	if m != nil {
		m.active.Add(delta)
	}
}
