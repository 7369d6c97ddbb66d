package nova

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/openstack/compute/v2/aggregates"
	"github.com/gophercloud/gophercloud/v2/openstack/compute/v2/hypervisors"
	"github.com/gophercloud/gophercloud/v2/openstack/compute/v2/migrations"
)

// Migration is an os-migrations row; evacuations have MigrationType
// "evacuation".
type Migration struct {
	ID            int
	InstanceUUID  string
	SourceCompute string
	DestCompute   string
	MigrationType string
	// Status of an evacuation: accepted, pre-migrating, done, completed
	// (source cleaned up), failed or error.
	Status    string
	CreatedAt time.Time
}

// Migrations returns the migrations of one instance, evacuations
// included, newest first as Nova orders them.
func (c *Client) Migrations(ctx context.Context, instanceID string) ([]Migration, error) {
	pages, err := migrations.List(c.sc, migrations.ListOpts{InstanceID: &instanceID}).AllPages(ctx)
	if err != nil {
		return nil, fmt.Errorf("list migrations of server %s: %w", instanceID, err)
	}
	list, err := migrations.ExtractMigrations(pages)
	if err != nil {
		return nil, fmt.Errorf("decode migrations of server %s: %w", instanceID, err)
	}
	out := make([]Migration, 0, len(list))
	for _, m := range list {
		out = append(out, Migration{
			ID: int(m.ID), InstanceUUID: m.InstanceID, SourceCompute: m.SourceCompute, DestCompute: m.DestCompute,
			MigrationType: m.MigrationType, Status: m.Status, CreatedAt: m.CreatedAt,
		})
	}
	return out, nil
}

// Hypervisor is a compute node with its capacity and usage (the fields
// Nova drops at 2.88; Microversion keeps them).
type Hypervisor struct {
	// ID is the hypervisor UUID.
	ID string
	// Hostname is hypervisor_hostname (the node name).
	Hostname string
	// ServiceHost is the nova-compute service host of the node.
	ServiceHost string
	// State is up/down, Status enabled/disabled, from the service.
	State, Status          string
	VCPUs, VCPUsUsed       int
	MemoryMB, MemoryMBUsed int
	LocalGB, LocalGBUsed   int
	RunningVMs             int
}

// hypervisorsMaxMinor is the newest microversion Hypervisors asks for:
// from 2.88 GET /os-hypervisors/detail carries each hypervisor's uptime,
// which nova-api asks every compute host that still looks up for over RPC,
// one after the other. A host that has just died, not yet forced down nor
// past service_down_time, holds the whole answer for Nova's RPC timeout
// (30 s on the e2e cloud). Below 2.88 the same call reads Nova's database
// only. Every Nova still serves 2.87.
const hypervisorsMaxMinor = 87

// Hypervisors returns every hypervisor, following every page. It asks at
// most microversion 2.87 (hypervisorsMaxMinor), so it never waits on a
// dead host; from 2.88 on the capacity fields are left zero all the same,
// as Nova would: they no longer describe what Placement allocates, and
// capacity comes from Placement (Capacities).
func (c *Client) Hypervisors(ctx context.Context) ([]Hypervisor, error) {
	sc := c.sc
	if c.feat.Minor > hypervisorsMaxMinor {
		old := *c.sc
		old.Microversion = "2." + strconv.Itoa(hypervisorsMaxMinor)
		sc = &old
	}
	pages, err := hypervisors.List(sc, nil).AllPages(ctx)
	if err != nil {
		return nil, fmt.Errorf("list hypervisors: %w", err)
	}
	list, err := hypervisors.ExtractHypervisors(pages)
	if err != nil {
		return nil, fmt.Errorf("decode hypervisors: %w", err)
	}
	out := make([]Hypervisor, 0, len(list))
	for _, h := range list {
		hv := Hypervisor{ID: h.ID, Hostname: h.HypervisorHostname, ServiceHost: h.Service.Host, State: h.State, Status: h.Status}
		if c.feat.HypervisorCapacity {
			hv.VCPUs, hv.VCPUsUsed, hv.MemoryMB, hv.MemoryMBUsed = h.VCPUs, h.VCPUsUsed, h.MemoryMB, h.MemoryMBUsed
			hv.LocalGB, hv.LocalGBUsed, hv.RunningVMs = h.LocalGB, h.LocalGBUsed, h.RunningVMs
		}
		out = append(out, hv)
	}
	return out, nil
}

// Aggregate is a host aggregate.
type Aggregate struct {
	ID       int
	Name     string
	Hosts    []string
	Metadata map[string]string
}

// Aggregates returns every host aggregate.
func (c *Client) Aggregates(ctx context.Context) ([]Aggregate, error) {
	pages, err := aggregates.List(c.sc).AllPages(ctx)
	if err != nil {
		return nil, fmt.Errorf("list aggregates: %w", err)
	}
	list, err := aggregates.ExtractAggregates(pages)
	if err != nil {
		return nil, fmt.Errorf("decode aggregates: %w", err)
	}
	out := make([]Aggregate, 0, len(list))
	for _, a := range list {
		out = append(out, Aggregate{ID: a.ID, Name: a.Name, Hosts: a.Hosts, Metadata: a.Metadata})
	}
	return out, nil
}

// AddHostToAggregate adds host to the aggregate. A host that is already a
// member is success: on 409 the aggregate is read back, and only a 409
// for another reason is returned.
func (c *Client) AddHostToAggregate(ctx context.Context, id int, host string) error {
	err := aggregates.AddHost(ctx, c.sc, id, aggregates.AddHostOpts{Host: host}).Err
	if err == nil {
		return nil
	}
	if !gophercloud.ResponseCodeIs(err, http.StatusConflict) {
		return fmt.Errorf("add host %s to aggregate %d: %w", host, id, notFound(err))
	}
	a, getErr := aggregates.Get(ctx, c.sc, id).Extract()
	if getErr == nil && slices.Contains(a.Hosts, host) {
		return nil
	}
	return fmt.Errorf("add host %s to aggregate %d: %w", host, id, err)
}
