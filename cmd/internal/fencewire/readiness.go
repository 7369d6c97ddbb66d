package fencewire

import (
	"cmp"
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/lazarus-ha/lazarus/fencing"
	"github.com/lazarus-ha/lazarus/fencing/secret"
	"github.com/lazarus-ha/lazarus/store"
)

// readinessParallel bounds how many devices are checked at once.
const readinessParallel = 8

// Readiness periodically checks every fence device and records the result.
type Readiness struct {
	st    DeviceStore
	box   *secret.Box
	cfg   Config
	log   *slog.Logger
	ready *prometheus.GaugeVec

	mu   sync.Mutex
	last map[string]string // device uuid -> last error ("" ready), to log changes only
}

// NewReadiness returns a checker and registers its gauge
// lazarus_fence_ready{host} on reg (when reg is not nil).
func NewReadiness(st DeviceStore, box *secret.Box, cfg Config, log *slog.Logger, reg prometheus.Registerer) *Readiness {
	r := &Readiness{
		st: st, box: box, cfg: cfg, log: log.With("component", "fencewire.readiness"),
		ready: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "lazarus_fence_ready",
			Help: "1 when the host can be fenced automatically: some non-manual fence level has every device reachable, accepting its credentials and reading power. 0 otherwise.",
		}, []string{"host"}),
		last: map[string]string{},
	}
	if reg != nil {
		reg.MustRegister(r.ready)
	}
	return r
}

// Run checks at once, then every ReadinessInterval, until ctx ends. An
// interval of 0 disables the check (Run returns at once).
func (r *Readiness) Run(ctx context.Context) error {
	if r.cfg.ReadinessInterval <= 0 {
		return nil
	}
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-timer.C:
		}
		if _, err := r.RunOnce(ctx); err != nil && ctx.Err() == nil {
			r.log.ErrorContext(ctx, "fence readiness check failed", "err", err)
		}
		timer.Reset(r.cfg.ReadinessInterval)
	}
}

// HostReadiness is the outcome of one check for one host.
type HostReadiness struct {
	Host  string
	Ready bool
}

// RunOnce checks every device of every live host once, records each result
// and updates the gauge. It returns the per-host outcome.
func (r *Readiness) RunOnce(ctx context.Context) ([]HostReadiness, error) {
	hosts, err := r.st.FenceHostNames(ctx)
	if err != nil {
		return nil, err
	}
	devs, err := r.st.FenceDeviceListAll(ctx)
	if err != nil {
		return nil, err
	}
	ok := make([]bool, len(devs))
	sem := make(chan struct{}, readinessParallel)
	var wg sync.WaitGroup
	for i, d := range devs {
		if d.Driver == DriverManual {
			continue
		}
		wg.Go(func() {
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				return
			}
			defer func() { <-sem }()
			ok[i] = r.check(ctx, d)
		})
	}
	wg.Wait()
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}

	// A host is ready when some automatic level has every device ready.
	type level struct{ manual, allOK, any bool }
	levels := map[string]map[int]*level{}
	for i, d := range devs {
		if levels[d.HostName] == nil {
			levels[d.HostName] = map[int]*level{}
		}
		l := levels[d.HostName][d.Level]
		if l == nil {
			l = &level{allOK: true}
			levels[d.HostName][d.Level] = l
		}
		if d.Driver == DriverManual {
			l.manual = true
			continue
		}
		l.any = true
		l.allOK = l.allOK && ok[i]
	}
	out := make([]HostReadiness, 0, len(hosts))
	r.ready.Reset()
	for _, h := range hosts {
		ready := false
		for _, l := range levels[h] {
			if !l.manual && l.any && l.allOK {
				ready = true
			}
		}
		v := 0.0
		if ready {
			v = 1
		}
		r.ready.WithLabelValues(h).Set(v)
		out = append(out, HostReadiness{Host: h, Ready: ready})
	}
	return out, nil
}

// check reads one device's power and records the result.
func (r *Readiness) check(ctx context.Context, d *store.FenceDevice) bool {
	log := r.log.With("host", d.HostName, "device", deviceName(d))
	// One status read: the driver's exchange timeout times its attempts, or
	// the agent's run timeout, plus a margin.
	budget := cmp.Or(r.cfg.IPMITimeout, 2*time.Second)*time.Duration(r.cfg.IPMIRetries+2) + 2*time.Second
	if d.Driver == DriverAgent {
		budget = cmp.Or(r.cfg.AgentTimeout, 60*time.Second) + time.Second
	}
	cctx, cancel := context.WithTimeout(ctx, budget)
	defer cancel()
	var errText string
	dev, err := BuildDevice(d, r.box, r.cfg)
	if err == nil {
		var s fencing.PowerState
		s, _, err = dev.PowerStatus(cctx)
		if err == nil && s == fencing.PowerUnknown {
			errText = "power state unreadable"
		}
	}
	if err != nil {
		errText = err.Error()
	}
	if ctx.Err() != nil {
		return false // shutting down: record nothing
	}
	if _, err := r.st.FenceDeviceSetReadiness(context.WithoutCancel(ctx), &store.FenceDeviceSetReadinessParams{
		UUID: d.UUID, Ready: errText == "", LastError: errText, CheckedAt: time.Now(), ConfigUpdatedAt: d.UpdatedAt,
	}); err != nil {
		log.WarnContext(ctx, "record fence readiness", "err", err)
	}
	r.mu.Lock()
	prev, seen := r.last[d.UUID]
	r.last[d.UUID] = errText
	r.mu.Unlock()
	if !seen || prev != errText {
		if errText == "" {
			log.InfoContext(ctx, "fence device ready")
		} else {
			log.WarnContext(ctx, "fence device not ready", "err", errText)
		}
	}
	return errText == ""
}
