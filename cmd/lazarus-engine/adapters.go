package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/gophercloud/gophercloud/v2"

	"github.com/lazarus-ha/lazarus/cmd/internal/fencewire"
	"github.com/lazarus-ha/lazarus/engine/recovery"
	"github.com/lazarus-ha/lazarus/openstack/nova"
)

// novaCompute adapts openstack/nova's client to the engine's Compute.
type novaCompute struct{ c *nova.Client }

var (
	_ recovery.Compute         = novaCompute{}
	_ recovery.Versioned       = novaCompute{}
	_ recovery.Locker          = novaCompute{}
	_ recovery.ForceDowner     = novaCompute{}
	_ recovery.PlacementReader = novaCompute{}
	_ recovery.GroupReader     = novaCompute{}
)

// mapErr adds the engine's conflict sentinel to Nova's 409s (not found is
// openstack/nova's own ErrNotFound, which the engine shares).
func mapErr(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, nova.ErrAlreadyStopped), gophercloud.ResponseCodeIs(err, http.StatusConflict):
		return errors.Join(err, recovery.ErrConflict)
	}
	return err
}

func (n novaCompute) ComputeService(ctx context.Context, host string) (recovery.Service, error) {
	s, err := n.c.ComputeService(ctx, host)
	return s, mapErr(err)
}

func (n novaCompute) ComputeServices(ctx context.Context) ([]recovery.Service, error) {
	ss, err := n.c.ComputeServices(ctx)
	return ss, mapErr(err)
}

func (n novaCompute) SetForcedDown(ctx context.Context, id string, down bool) error {
	return mapErr(n.c.SetForcedDown(ctx, id, down))
}

func (n novaCompute) ForceDownAndDisable(ctx context.Context, id, reason string) error {
	return mapErr(n.c.ForceDownAndDisable(ctx, id, reason))
}

func (n novaCompute) DisableService(ctx context.Context, id, reason string) error {
	return mapErr(n.c.DisableService(ctx, id, reason))
}

func (n novaCompute) EnableService(ctx context.Context, id string) error {
	return mapErr(n.c.EnableService(ctx, id))
}

func (n novaCompute) ServersOnHost(ctx context.Context, host string) ([]recovery.Server, error) {
	ss, err := n.c.ServersOnHost(ctx, host)
	return ss, mapErr(err)
}

func (n novaCompute) ServersOnHostSince(ctx context.Context, host string, since time.Time) ([]recovery.Server, error) {
	ss, err := n.c.ServersOnHostSince(ctx, host, since)
	return ss, mapErr(err)
}

func (n novaCompute) Server(ctx context.Context, id string) (recovery.Server, error) {
	s, err := n.c.Server(ctx, id)
	return s, mapErr(err)
}

func (n novaCompute) Evacuate(ctx context.Context, id, target string) error {
	return mapErr(n.c.Evacuate(ctx, id, target))
}

func (n novaCompute) StartServer(ctx context.Context, id string) error {
	return mapErr(n.c.StartServer(ctx, id))
}

func (n novaCompute) StopServer(ctx context.Context, id string) error {
	return mapErr(n.c.StopServer(ctx, id))
}

func (n novaCompute) ResetState(ctx context.Context, id, state string) error {
	return mapErr(n.c.ResetState(ctx, id, state))
}

func (n novaCompute) Migrations(ctx context.Context, id string) ([]recovery.Migration, error) {
	ms, err := n.c.Migrations(ctx, id)
	out := make([]recovery.Migration, len(ms))
	for i, m := range ms {
		out[i] = recovery.Migration{ID: strconv.Itoa(m.ID), Type: m.MigrationType, Status: m.Status,
			SourceCompute: m.SourceCompute, DestCompute: m.DestCompute, CreatedAt: m.CreatedAt}
	}
	return out, mapErr(err)
}

func (n novaCompute) Hypervisors(ctx context.Context) ([]recovery.Hypervisor, error) {
	hs, err := n.c.Hypervisors(ctx)
	out := make([]recovery.Hypervisor, len(hs))
	for i, h := range hs {
		out[i] = recovery.Hypervisor{ID: h.ID, Host: h.ServiceHost, VCPUs: h.VCPUs, VCPUsUsed: h.VCPUsUsed, MemoryMB: h.MemoryMB,
			MemoryMBUsed: h.MemoryMBUsed, LocalGB: h.LocalGB, LocalGBUsed: h.LocalGBUsed}
	}
	return out, mapErr(err)
}

func (n novaCompute) Aggregates(ctx context.Context) ([]recovery.Aggregate, error) {
	as, err := n.c.Aggregates(ctx)
	out := make([]recovery.Aggregate, len(as))
	for i, a := range as {
		out[i] = recovery.Aggregate{ID: strconv.Itoa(a.ID), Name: a.Name, Hosts: a.Hosts, Metadata: a.Metadata}
	}
	return out, mapErr(err)
}

func (n novaCompute) AddHostToAggregate(ctx context.Context, id, host string) error {
	i, err := strconv.Atoi(id)
	if err != nil {
		return fmt.Errorf("aggregate id %q: %w", id, err)
	}
	return mapErr(n.c.AddHostToAggregate(ctx, i, host))
}

// Features is the behaviour of the negotiated compute microversion.
func (n novaCompute) Features() recovery.NovaFeatures { return n.c.Features() }

func (n novaCompute) LockServer(ctx context.Context, id, reason string) error {
	return mapErr(n.c.LockServer(ctx, id, reason))
}

func (n novaCompute) UnlockServer(ctx context.Context, id string) error {
	return mapErr(n.c.UnlockServer(ctx, id))
}

func (n novaCompute) Capacities(ctx context.Context, nodes []string) (map[string]recovery.NodeCapacity, error) {
	caps, err := n.c.Capacities(ctx, nodes)
	if err != nil {
		return nil, mapErr(err)
	}
	out := make(map[string]recovery.NodeCapacity, len(caps))
	for id, pc := range caps {
		nc := make(recovery.NodeCapacity, len(pc.Resources))
		for class, r := range pc.Resources {
			nc[class] = recovery.Resource{Capacity: r.Capacity(), Total: r.Total, Reserved: r.Reserved,
				AllocationRatio: r.AllocationRatio, MaxUnit: r.MaxUnit, Used: r.Used}
		}
		out[id] = nc
	}
	return out, nil
}

func (n novaCompute) ServerGroups(ctx context.Context) ([]recovery.ServerGroup, error) {
	gs, err := n.c.ServerGroups(ctx)
	out := make([]recovery.ServerGroup, len(gs))
	for i, g := range gs {
		out[i] = recovery.ServerGroup{ID: g.ID, Name: g.Name, Policy: g.Policy, Members: g.Members, MaxPerHost: g.MaxServerPerHost}
	}
	return out, mapErr(err)
}

// hostFencer adapts fencewire's HostFencer to the engine's Fencer.
type hostFencer struct{ f *fencewire.HostFencer }

var _ recovery.Fencer = hostFencer{}

func (h hostFencer) Fence(ctx context.Context, host string) (recovery.FenceResult, error) {
	res, err := h.f.Fence(ctx, host)
	return recovery.FenceResult{Verified: res.Verified, Level: res.Level, Manual: res.Manual, Evidence: res}, err
}

func (h hostFencer) PowerStatus(ctx context.Context, host string) (recovery.PowerState, error) {
	p, _, err := h.f.PowerStatus(ctx, host)
	return p, err
}
