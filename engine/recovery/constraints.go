package recovery

import (
	"fmt"
	"maps"
	"strings"
)

// aggregateSpecPrefix scopes the flavor extra specs that Nova's
// AggregateInstanceExtraSpecsFilter matches against aggregate metadata.
const aggregateSpecPrefix = "aggregate_instance_extra_specs:"

// withConstraints records on the journaled selection what the target
// choice must respect of server s: its project, its availability zone
// (the pinned one from microversion 2.96, else its current host's), whether
// it boots from a volume, and its flavor's aggregate extra specs.
func withConstraints(sel selected, s Server) selected {
	sel.Tenant = s.TenantID
	sel.Zone, sel.PinnedZone = s.AvailabilityZone, false
	if s.PinnedAvailabilityZone != "" {
		sel.Zone, sel.PinnedZone = s.PinnedAvailabilityZone, true
	}
	sel.VolumeBacked = s.VolumeBacked
	for k, v := range s.Flavor.ExtraSpecs {
		if key, ok := strings.CutPrefix(k, aggregateSpecPrefix); ok {
			if sel.Specs == nil {
				sel.Specs = map[string]string{}
			}
			sel.Specs[key] = v
		}
	}
	return sel
}

// group is a server group of instances being placed, with where its
// members are: live members elsewhere and those this recovery placed.
type group struct {
	id, name, policy string
	// maxPerHost is the anti-affinity limit per host (max_server_per_host, default 1).
	maxPerHost int
	// hosts counts members per host (the failed host excluded).
	hosts map[string]int
}

// placeRequest is one instance's constraints for the Placer.
type placeRequest struct {
	id           string
	zone         string
	tenant       string
	volumeBacked bool
	specs        map[string]string
	groups       []*group
}

// reject returns "" when t meets the instance's constraints, else why not.
// A nil request (a bare flavor) has none.
func (q *placeRequest) reject(t *Target) string {
	if q == nil {
		return ""
	}
	if q.zone != "" && t.zone != "" && t.zone != q.zone {
		return fmt.Sprintf("in availability zone %q, the instance is in %q", t.zone, q.zone)
	}
	if t.tenants != nil && !t.tenants[q.tenant] {
		return fmt.Sprintf("its aggregates admit only other projects (filter_tenant_id), not %s", q.tenant)
	}
	for k, v := range q.specs {
		if !t.aggSpecs[k][v] {
			return fmt.Sprintf("in no aggregate with %s=%s (flavor extra spec %s%s)", k, v, aggregateSpecPrefix, k)
		}
	}
	for _, g := range q.groups {
		switch g.policy {
		case "anti-affinity":
			if g.hosts[t.Name] >= g.maxPerHost {
				if g.maxPerHost > 1 {
					return fmt.Sprintf("anti-affinity server group %s already has %d members there (max_server_per_host %d)", g.label(), g.hosts[t.Name], g.maxPerHost)
				}
				return fmt.Sprintf("anti-affinity server group %s already has a member there", g.label())
			}
		case "affinity":
			for h, n := range g.hosts {
				if n > 0 && h != t.Name {
					return fmt.Sprintf("affinity server group %s is on %s", g.label(), h)
				}
			}
		}
	}
	return ""
}

// crowding is how many members of the instance's anti-affinity groups are
// on t: among fitting targets the Placer prefers the least crowded, so the
// members spread even where max_server_per_host would let them share.
func (q *placeRequest) crowding(t *Target) int {
	if q == nil {
		return 0
	}
	n := 0
	for _, g := range q.groups {
		if g.policy == "anti-affinity" {
			n += g.hosts[t.Name]
		}
	}
	return n
}

// claim counts (sign 1) or uncounts (-1) the instance on t in its groups.
func (q *placeRequest) claim(t *Target, sign int) {
	if q == nil {
		return
	}
	for _, g := range q.groups {
		g.hosts[t.Name] += sign
	}
}

func (g *group) label() string {
	if g.name != "" {
		return fmt.Sprintf("%q (%s)", g.name, g.id)
	}
	return g.id
}

// constrain registers the instances' constraints and the segment's
// aggregates, zones and server groups. memberHosts gives the current
// host of group members (the failed host's are not counted).
func (p *Placer) constrain(sel []selected, aggs []Aggregate, groups []ServerGroup, memberHosts map[string]string, failed string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, t := range p.targets() {
		for _, a := range aggs {
			member := false
			for _, h := range a.Hosts {
				member = member || h == t.Name
			}
			if !member {
				continue
			}
			for k, v := range a.Metadata {
				if k == "filter_tenant_id" || strings.HasPrefix(k, "filter_tenant_id_") {
					if t.tenants == nil {
						t.tenants = map[string]bool{}
					}
					for _, id := range strings.Split(v, ",") {
						t.tenants[strings.TrimSpace(id)] = true
					}
					continue
				}
				if t.aggSpecs == nil {
					t.aggSpecs = map[string]map[string]bool{}
				}
				if t.aggSpecs[k] == nil {
					t.aggSpecs[k] = map[string]bool{}
				}
				for _, val := range strings.Split(v, ",") {
					t.aggSpecs[k][strings.TrimSpace(val)] = true
				}
			}
		}
	}
	byMember := map[string][]*group{}
	for _, sg := range groups {
		if sg.Policy != "affinity" && sg.Policy != "anti-affinity" {
			continue // soft policies are weights in Nova, not rules
		}
		g := &group{id: sg.ID, name: sg.Name, policy: sg.Policy, maxPerHost: max(sg.MaxPerHost, 1), hosts: map[string]int{}}
		for _, m := range sg.Members {
			byMember[m] = append(byMember[m], g)
			if h := memberHosts[m]; h != "" && h != failed {
				g.hosts[h]++
			}
		}
	}
	for _, s := range sel {
		q := &placeRequest{id: s.ID, zone: s.Zone, tenant: s.Tenant, volumeBacked: s.VolumeBacked, specs: maps.Clone(s.Specs), groups: byMember[s.ID]}
		p.reqs[s.ID] = q
	}
}

// flavorOf is the flavor of a selected instance, carrying its constraints
// for Pick and Release.
func (p *Placer) flavorOf(s selected) Flavor {
	p.mu.Lock()
	defer p.mu.Unlock()
	return Flavor{VCPUs: s.VCPUs, RAMMB: s.RAMMB, DiskGB: s.DiskGB, req: p.reqs[s.ID]}
}
