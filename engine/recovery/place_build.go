package recovery

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/lazarus-ha/lazarus/engine/workflow"
	"github.com/lazarus-ha/lazarus/store"
)

// memberReadConcurrency bounds the parallel reads of server group members.
const memberReadConcurrency = 8

// newPlacer builds the recovery's Placer: candidates from the segment and
// Nova's services, capacity from Placement (the hypervisors' figures only
// when Placement cannot be read and Nova still reports them, below
// microversion 2.88), and the instances' constraints (zones, server
// groups, aggregates). Everything is read once per recovery and at the
// same time: the segment's hosts, the services and hypervisors, the
// aggregates and the server groups (with their members' hosts) at once,
// then Placement as soon as the candidates are known. It journals one
// "place" entry saying which candidates Placement shows full, so the
// recovery details show why they are skipped. What cannot be read
// (Placement, aggregates, server groups) is noted there and left out: the
// evacuation goes on, and Nova's scheduler still checks the target it is
// given.
//
// candidates, when not nil, is told how many candidates there are as soon
// as that is known, before Placement is read.
func (fl *Flows) newPlacer(ctx context.Context, job *workflow.Job, sel []selected, candidates func(int)) (*Placer, error) {
	r := job.Recovery
	var (
		base, rest       sync.WaitGroup
		hosts            []store.RecoveryHost
		services         map[string]Service
		hyps             map[string]Hypervisor
		hostsErr, invErr error
		aggs             []Aggregate
		aggErr, groupErr error
		groups           []ServerGroup
		memberHosts      map[string]string
		gr, readsGroups  = fl.compute.(GroupReader)
	)
	base.Go(func() { hosts, hostsErr = ledgerOf(job).segmentHosts(ctx) })
	base.Go(func() { services, hyps, invErr = fl.inv.get(ctx) })
	rest.Go(func() { aggs, aggErr = fl.compute.Aggregates(ctx) })
	if readsGroups {
		rest.Go(func() { groups, memberHosts, groupErr = fl.serverGroups(ctx, gr, sel) })
	}
	base.Wait()
	if hostsErr != nil || invErr != nil {
		rest.Wait()
		if hostsErr != nil {
			return nil, hostsErr
		}
		return nil, ctxErr(ctx, fmt.Errorf("list compute services and hypervisors: %w", invErr))
	}
	p := NewPlacer(r.RecoveryMethod, hosts, r.HostName, services, hyps, fl.cfg.Ratios)
	if candidates != nil {
		candidates(p.Candidates())
	}
	var notes []string
	if pr, ok := fl.compute.(PlacementReader); ok && p.Candidates() > 0 {
		var nodes []string
		for _, t := range p.targets() {
			if hv, ok := hyps[t.Name]; ok && hv.ID != "" {
				nodes = append(nodes, hv.ID)
			}
		}
		caps, err := pr.Capacities(ctx, nodes)
		if err != nil {
			if ctx.Err() != nil {
				rest.Wait()
				return nil, context.Cause(ctx)
			}
			job.Log.WarnContext(ctx, "cannot read placement; target capacity from the hypervisors where Nova reports it", "err", err)
			notes = append(notes, "Placement not readable ("+err.Error()+"); capacity from the hypervisors where known, else left to Nova's scheduler")
		}
		for _, t := range p.targets() {
			nc, ok := caps[hyps[t.Name].ID]
			if !ok {
				continue
			}
			usePlacement(t, nc)
			if full := fullClasses(nc); full != "" {
				notes = append(notes, fmt.Sprintf("Target '%s' skipped: Placement inventory full (%s)", t.Name, full))
			}
		}
	}
	rest.Wait()
	if ctx.Err() != nil {
		return nil, context.Cause(ctx)
	}
	// Aggregates: flavor extra specs and filter_tenant_id (one call). Not
	// readable: evacuate without those constraints (Nova's scheduler still
	// checks the target) rather than not at all.
	if aggErr != nil {
		job.Log.WarnContext(ctx, "cannot list aggregates; targets chosen without aggregate constraints", "err", aggErr)
		notes = append(notes, "Aggregates not readable ("+aggErr.Error()+"); targets chosen without aggregate constraints, Nova's scheduler still checks them")
		aggs = nil
	}
	if groupErr != nil {
		job.Log.WarnContext(ctx, "cannot list server groups; targets chosen without them", "err", groupErr)
		notes = append(notes, "Server groups not readable ("+groupErr.Error()+"); targets chosen without them, Nova's scheduler still checks them")
	}
	for _, g := range groups {
		notes = append(notes, fmt.Sprintf("Server group %q (%s, %s): members %s", g.Name, g.ID, g.Policy, strings.Join(g.Members, ",")))
	}
	p.constrain(sel, aggs, groups, memberHosts, r.HostName)
	if _, done := job.Result("place", ""); len(notes) > 0 && !done {
		if err := job.Checkpoint(ctx, step("place", store.StepStateSuccess, 1, strings.Join(notes, "; "), nil)); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// serverGroups lists the server groups that constrain the selected
// instances (affinity and anti-affinity with a selected member) and reads
// where their members are, memberReadConcurrency at a time. A member gone
// or unreadable counts on no host.
func (fl *Flows) serverGroups(ctx context.Context, gr GroupReader, sel []selected) ([]ServerGroup, map[string]string, error) {
	gs, err := gr.ServerGroups(ctx)
	if err != nil {
		return nil, nil, err
	}
	inSel := map[string]bool{}
	for _, s := range sel {
		inSel[s.ID] = true
	}
	var groups []ServerGroup
	var members []string
	memberHosts := map[string]string{}
	for _, g := range gs {
		relevant := false
		for _, m := range g.Members {
			relevant = relevant || inSel[m]
		}
		if !relevant || (g.Policy != "affinity" && g.Policy != "anti-affinity") {
			continue
		}
		groups = append(groups, g)
		for _, m := range g.Members {
			if _, seen := memberHosts[m]; !seen {
				memberHosts[m] = ""
				members = append(members, m)
			}
		}
	}
	var mu sync.Mutex
	var wg sync.WaitGroup
	sem := make(chan struct{}, memberReadConcurrency)
	for _, m := range members {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			if srv, err := fl.compute.Server(ctx, m); err == nil {
				mu.Lock()
				memberHosts[m] = srv.Host
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return groups, memberHosts, nil
}

// unbounded stands for a class the compute node's provider has no
// inventory of (DISK_GB in a sharing provider, on shared storage): it does
// not limit the choice.
const unbounded = 1 << 40

// usePlacement sets t's capacity from Placement.
func usePlacement(t *Target, nc NodeCapacity) {
	get := func(class string) Resource {
		if r, ok := nc[class]; ok {
			return r
		}
		return Resource{Capacity: unbounded}
	}
	cpu, mem, disk := get(ClassVCPU), get(ClassMemory), get(ClassDisk)
	t.Capacity, t.Source = true, "placement"
	t.total = Flavor{VCPUs: cpu.Capacity, RAMMB: mem.Capacity, DiskGB: disk.Capacity}
	t.free = Flavor{VCPUs: cpu.Free(), RAMMB: mem.Free(), DiskGB: disk.Free()}
	t.maxUnit = Flavor{VCPUs: cpu.MaxUnit, RAMMB: mem.MaxUnit, DiskGB: disk.MaxUnit}
}

// fullClasses names the classes with nothing free, with their inventory.
func fullClasses(nc NodeCapacity) string {
	var out []string
	for _, class := range []string{ClassVCPU, ClassMemory, ClassDisk} {
		r, ok := nc[class]
		if !ok || r.Free() > 0 {
			continue
		}
		out = append(out, fmt.Sprintf("%s: %d used of capacity %d = (total %d - reserved %d) x allocation_ratio %g",
			class, r.Used, r.Capacity, r.Total, r.Reserved, r.AllocationRatio))
	}
	return strings.Join(out, "; ")
}
