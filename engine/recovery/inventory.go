package recovery

import (
	"context"
	"sync"
	"time"
)

// inventory shares one snapshot of every compute service and hypervisor
// among the recoveries placing instances at about the same time. When 20
// hosts fail at once, 20 recoveries would otherwise each list 1,000
// services and hypervisors. A snapshot is reused for inventoryTTL; a
// target it shows with room that Nova then refuses is simply retried
// elsewhere (evacuate_attempts).
type inventory struct {
	c   Compute
	ttl time.Duration

	mu       sync.Mutex
	at       time.Time
	services map[string]Service
	hyps     map[string]Hypervisor
	inflight chan struct{}
	err      error
}

const inventoryTTL = 3 * time.Second

func (inv *inventory) get(ctx context.Context) (map[string]Service, map[string]Hypervisor, error) {
	for {
		inv.mu.Lock()
		if inv.services != nil && time.Since(inv.at) < inv.ttl {
			s, h := inv.services, inv.hyps
			inv.mu.Unlock()
			return s, h, nil
		}
		if wait := inv.inflight; wait != nil {
			inv.mu.Unlock()
			select {
			case <-wait:
			case <-ctx.Done():
				return nil, nil, context.Cause(ctx)
			}
			inv.mu.Lock()
			err := inv.err
			inv.mu.Unlock()
			if err != nil {
				return nil, nil, err
			}
			continue
		}
		done := make(chan struct{})
		inv.inflight = done
		inv.mu.Unlock()

		services, hyps, err := inv.fetch(ctx)
		inv.mu.Lock()
		inv.inflight, inv.err = nil, err
		if err == nil {
			inv.services, inv.hyps, inv.at = services, hyps, time.Now()
		}
		inv.mu.Unlock()
		close(done)
		return services, hyps, err
	}
}

// fetch reads the services and the hypervisors at the same time.
func (inv *inventory) fetch(ctx context.Context) (map[string]Service, map[string]Hypervisor, error) {
	var (
		wg           sync.WaitGroup
		svcs         []Service
		hvs          []Hypervisor
		svcErr, hErr error
	)
	wg.Go(func() { svcs, svcErr = inv.c.ComputeServices(ctx) })
	wg.Go(func() { hvs, hErr = inv.c.Hypervisors(ctx) })
	wg.Wait()
	if svcErr != nil {
		return nil, nil, svcErr
	}
	if hErr != nil {
		return nil, nil, hErr
	}
	services := make(map[string]Service, len(svcs))
	for _, s := range svcs {
		services[s.Host] = s
	}
	hyps := make(map[string]Hypervisor, len(hvs))
	for _, h := range hvs {
		hyps[h.Host] = h
	}
	return services, hyps, nil
}
