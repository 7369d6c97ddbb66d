package nova

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/gophercloud/gophercloud/v2/openstack/compute/v2/servergroups"
	"github.com/gophercloud/gophercloud/v2/openstack/placement/v1/resourceproviders"
)

// ErrNoPlacement is returned by Capacities when the catalog had no
// placement endpoint.
var ErrNoPlacement = errors.New("no placement endpoint")

// Resource classes of a compute node's resource provider.
const (
	ClassVCPU   = "VCPU"
	ClassMemory = "MEMORY_MB"
	ClassDisk   = "DISK_GB"
)

// Resource is one resource class of a provider: its Placement inventory
// and usage.
type Resource struct {
	Total, Reserved int
	// MinUnit and MaxUnit bound what one allocation (one instance) may take.
	MinUnit, MaxUnit int
	AllocationRatio  float64
	Used             int
}

// Capacity is what Placement lets be allocated: (total - reserved) *
// allocation_ratio.
func (r Resource) Capacity() int {
	ratio := r.AllocationRatio
	if ratio <= 0 {
		ratio = 1
	}
	return int(float64(r.Total-r.Reserved) * ratio)
}

// Free is Capacity minus what is allocated (negative when overcommitted).
func (r Resource) Free() int { return r.Capacity() - r.Used }

// ProviderCapacity is a compute node's resource provider, by class.
type ProviderCapacity struct {
	// UUID is the provider's UUID, the compute node's (hypervisor) ID.
	UUID      string
	Resources map[string]Resource
}

// placementConcurrency bounds the parallel inventory and usage reads.
const placementConcurrency = 8

// Capacities reads the inventories and usages of the given resource
// providers (compute node UUIDs, as Hypervisor.ID) from Placement, two
// calls each, at most placementConcurrency at a time. A provider Placement
// does not know is left out of the map.
func (c *Client) Capacities(ctx context.Context, providers []string) (map[string]ProviderCapacity, error) {
	if c.placement == nil {
		return nil, ErrNoPlacement
	}
	out := make(map[string]ProviderCapacity, len(providers))
	var mu sync.Mutex
	var firstErr error
	sem := make(chan struct{}, placementConcurrency)
	var wg sync.WaitGroup
	for _, id := range providers {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			pc, ok, err := c.capacity(ctx, id)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err != nil && firstErr == nil:
				firstErr = err
			case ok:
				out[id] = pc
			}
		})
	}
	wg.Wait()
	if firstErr != nil {
		return nil, firstErr
	}
	return out, nil
}

// capacity reads one provider's inventories and usages, both at once.
func (c *Client) capacity(ctx context.Context, id string) (ProviderCapacity, bool, error) {
	var (
		inv         *resourceproviders.ResourceProviderInventories
		use         *resourceproviders.ResourceProviderUsage
		invErr, err error
		wg          sync.WaitGroup
	)
	wg.Go(func() { inv, invErr = resourceproviders.GetInventories(ctx, c.placement, id).Extract() })
	wg.Go(func() { use, err = resourceproviders.GetUsages(ctx, c.placement, id).Extract() })
	wg.Wait()
	if invErr != nil {
		if errors.Is(notFound(invErr), ErrNotFound) {
			return ProviderCapacity{}, false, nil
		}
		return ProviderCapacity{}, false, fmt.Errorf("placement inventories of provider %s: %w", id, invErr)
	}
	if err != nil {
		if errors.Is(notFound(err), ErrNotFound) {
			return ProviderCapacity{}, false, nil
		}
		return ProviderCapacity{}, false, fmt.Errorf("placement usages of provider %s: %w", id, err)
	}
	pc := ProviderCapacity{UUID: id, Resources: make(map[string]Resource, len(inv.Inventories))}
	for class, v := range inv.Inventories {
		pc.Resources[class] = Resource{Total: v.Total, Reserved: v.Reserved, MinUnit: v.MinUnit, MaxUnit: v.MaxUnit,
			AllocationRatio: float64(v.AllocationRatio), Used: use.Usages[class]}
	}
	return pc, true, nil
}

// ServerGroup is a server group with its policy.
type ServerGroup struct {
	ID, Name, ProjectID string
	// Policy is affinity, anti-affinity, soft-affinity or
	// soft-anti-affinity (from "policy" at 2.64+, "policies" before).
	Policy  string
	Members []string
	// MaxServerPerHost is the anti-affinity rule max_server_per_host
	// (2.64+; 0 = not set, meaning 1).
	MaxServerPerHost int
}

// ServerGroups returns the server groups of all projects.
func (c *Client) ServerGroups(ctx context.Context) ([]ServerGroup, error) {
	pages, err := servergroups.List(c.sc, servergroups.ListOpts{AllProjects: true}).AllPages(ctx)
	if err != nil {
		return nil, fmt.Errorf("list server groups: %w", err)
	}
	list, err := servergroups.ExtractServerGroups(pages)
	if err != nil {
		return nil, fmt.Errorf("decode server groups: %w", err)
	}
	out := make([]ServerGroup, 0, len(list))
	for _, g := range list {
		sg := ServerGroup{ID: g.ID, Name: g.Name, ProjectID: g.ProjectID, Members: g.Members}
		switch {
		case c.feat.ServerGroupPolicy && g.Policy != nil:
			sg.Policy = *g.Policy
			if g.Rules != nil {
				sg.MaxServerPerHost = g.Rules.MaxServerPerHost
			}
		case len(g.Policies) > 0:
			sg.Policy = g.Policies[0]
		}
		out = append(out, sg)
	}
	return out, nil
}
