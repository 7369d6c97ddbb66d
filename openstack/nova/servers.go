package nova

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/openstack/compute/v2/servers"
	"github.com/gophercloud/gophercloud/v2/pagination"
)

// Flavor is the size of a server as embedded in it (microversion >= 2.47).
type Flavor struct {
	VCPUs  int
	RAMMB  int
	DiskGB int
}

// Server is what Lazarus reads of a server.
type Server struct {
	ID, Name, TenantID string
	// Host is OS-EXT-SRV-ATTR:host, the nova-compute service host.
	Host string
	// HypervisorHostname is OS-EXT-SRV-ATTR:hypervisor_hostname, which may
	// differ from Host in form (FQDN); compare hosts with Host.
	HypervisorHostname string
	// Status is the API status (ACTIVE, SHUTOFF, ERROR, REBUILD ...).
	Status string
	// VMState and TaskState are OS-EXT-STS:vm_state and task_state ("" = none).
	VMState, TaskState string
	// PowerState is OS-EXT-STS:power_state (1 running, 4 shutdown).
	PowerState int
	Locked     bool
	Metadata   map[string]string
	Flavor     Flavor
}

func fromServer(s *servers.Server) Server {
	out := Server{
		ID: s.ID, Name: s.Name, TenantID: s.TenantID, Host: s.Host, HypervisorHostname: s.HypervisorHostname,
		Status: s.Status, VMState: s.VmState, TaskState: s.TaskState, PowerState: int(s.PowerState),
		Metadata: s.Metadata,
		Flavor:   Flavor{VCPUs: intField(s.Flavor, "vcpus"), RAMMB: intField(s.Flavor, "ram"), DiskGB: intField(s.Flavor, "disk")},
	}
	if s.Locked != nil {
		out.Locked = *s.Locked
	}
	if out.Metadata == nil {
		out.Metadata = map[string]string{}
	}
	return out
}

func intField(m map[string]any, key string) int {
	if f, ok := m[key].(float64); ok {
		return int(f)
	}
	return 0
}

// ServersOnHost returns every server on host, of all tenants, following
// every page (Masakari reads only the first, capped by Nova's max_limit).
func (c *Client) ServersOnHost(ctx context.Context, host string) ([]Server, error) {
	var out []Server
	err := servers.List(c.sc, servers.ListOpts{AllTenants: true, Host: host}).EachPage(ctx,
		func(_ context.Context, page pagination.Page) (bool, error) {
			list, err := servers.ExtractServers(page)
			if err != nil {
				return false, err
			}
			for i := range list {
				out = append(out, fromServer(&list[i]))
			}
			return true, nil
		})
	if err != nil {
		return nil, fmt.Errorf("list servers on %s: %w", host, err)
	}
	return out, nil
}

// Server returns one server, or an error wrapping ErrNotFound.
func (c *Client) Server(ctx context.Context, id string) (Server, error) {
	s, err := servers.Get(ctx, c.sc, id).Extract()
	if err != nil {
		return Server{}, fmt.Errorf("get server %s: %w", id, notFound(err))
	}
	return fromServer(s), nil
}

// evacuateBody is the evacuate body written by hand: gophercloud's
// EvacuateOpts always sends onSharedStorage, which Nova >= 2.14 rejects.
type evacuateBody struct{ host string }

// ToEvacuateMap implements servers.EvacuateOptsBuilder.
func (b evacuateBody) ToEvacuateMap() (map[string]any, error) {
	inner := map[string]any{}
	if b.host != "" {
		inner["host"] = b.host
	}
	return map[string]any{"evacuate": inner}, nil
}

// Evacuate asks Nova to rebuild the server on targetHost ("" lets Nova's
// scheduler choose). Nova answers 400 while the source compute service is
// up and not forced down.
func (c *Client) Evacuate(ctx context.Context, id, targetHost string) error {
	// At >= 2.14 Nova answers 200 with an empty body; ExtractAdminPass
	// treats that as success where .Err would be io.EOF.
	if _, err := servers.Evacuate(ctx, c.sc, id, evacuateBody{host: targetHost}).ExtractAdminPass(); err != nil {
		// A 404 names either the server or the target host; only the
		// former means the server is gone.
		var ue gophercloud.ErrUnexpectedResponseCode
		if !(errors.As(err, &ue) && strings.Contains(string(ue.Body), "Compute host")) {
			err = notFound(err)
		}
		if targetHost == "" {
			return fmt.Errorf("evacuate server %s: %w", id, err)
		}
		return fmt.Errorf("evacuate server %s to %s: %w", id, targetHost, err)
	}
	return nil
}

// StartServer powers the server on (os-start).
func (c *Client) StartServer(ctx context.Context, id string) error {
	if err := servers.Start(ctx, c.sc, id).ExtractErr(); err != nil {
		return fmt.Errorf("start server %s: %w", id, notFound(err))
	}
	return nil
}

// StopServer powers the server off (os-stop). When Nova refuses because the
// server is already stopped, the error wraps ErrAlreadyStopped as well as
// the 409.
func (c *Client) StopServer(ctx context.Context, id string) error {
	err := servers.Stop(ctx, c.sc, id).ExtractErr()
	if err == nil {
		return nil
	}
	var ue gophercloud.ErrUnexpectedResponseCode
	if errors.As(err, &ue) && ue.Actual == http.StatusConflict && strings.Contains(string(ue.Body), "vm_state stopped") {
		err = errors.Join(ErrAlreadyStopped, err)
	}
	return fmt.Errorf("stop server %s: %w", id, notFound(err))
}

// ResetState sets the server's vm_state ("active" or "error") and clears
// its task state (os-resetState).
func (c *Client) ResetState(ctx context.Context, id, state string) error {
	if err := servers.ResetState(ctx, c.sc, id, servers.ServerState(state)).ExtractErr(); err != nil {
		return fmt.Errorf("reset state of server %s to %s: %w", id, state, notFound(err))
	}
	return nil
}

// LockServer locks the server against non-admin actions.
func (c *Client) LockServer(ctx context.Context, id string) error {
	if err := servers.Lock(ctx, c.sc, id).ExtractErr(); err != nil {
		return fmt.Errorf("lock server %s: %w", id, notFound(err))
	}
	return nil
}

// UnlockServer unlocks the server.
func (c *Client) UnlockServer(ctx context.Context, id string) error {
	if err := servers.Unlock(ctx, c.sc, id).ExtractErr(); err != nil {
		return fmt.Errorf("unlock server %s: %w", id, notFound(err))
	}
	return nil
}
