package nova

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/openstack/compute/v2/servers"
)

// Flavor is the size of a server as embedded in it (microversion >= 2.47).
type Flavor struct {
	VCPUs  int
	RAMMB  int
	DiskGB int
	// ExtraSpecs are the flavor's extra specs (aggregate_instance_extra_specs:...).
	ExtraSpecs map[string]string
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
	// LockedReason is the lock's reason (microversion >= 2.73; "" = none given).
	LockedReason string
	// AvailabilityZone is OS-EXT-AZ:availability_zone, the zone of the
	// server's current host.
	AvailabilityZone string
	// PinnedAvailabilityZone is the zone the server was booted into
	// (microversion >= 2.96; "" = not pinned or not known).
	PinnedAvailabilityZone string
	// ServerGroups are the IDs of its server groups (microversion >= 2.71;
	// nil when not known).
	ServerGroups []string
	// VolumeBacked is true for a server booted from a volume (no image):
	// Placement then holds no DISK_GB for its root disk.
	VolumeBacked bool
	Metadata     map[string]string
	Flavor       Flavor
}

// serverWire is a server as Nova renders it at Microversion, decoded in
// one pass. gophercloud's servers.ExtractServers decodes each page three
// times over (into maps, back to JSON, into structs, once more for
// IsEmpty), which costs ~0.2 ms of CPU per server, noticeable for a host
// with a thousand servers in the middle of a recovery.
type serverWire struct {
	ID                 string            `json:"id"`
	Name               string            `json:"name"`
	TenantID           string            `json:"tenant_id"`
	Host               string            `json:"OS-EXT-SRV-ATTR:host"`
	HypervisorHostname string            `json:"OS-EXT-SRV-ATTR:hypervisor_hostname"`
	Status             string            `json:"status"`
	VMState            string            `json:"OS-EXT-STS:vm_state"`
	TaskState          *string           `json:"OS-EXT-STS:task_state"`
	PowerState         int               `json:"OS-EXT-STS:power_state"`
	Locked             bool              `json:"locked"`
	LockedReason       *string           `json:"locked_reason"`
	AvailabilityZone   string            `json:"OS-EXT-AZ:availability_zone"`
	PinnedAZ           *string           `json:"pinned_availability_zone"`
	ServerGroups       []string          `json:"server_groups"`
	Image              json.RawMessage   `json:"image"`
	Metadata           map[string]string `json:"metadata"`
	Flavor             struct {
		VCPUs      int               `json:"vcpus"`
		RAMMB      int               `json:"ram"`
		DiskGB     int               `json:"disk"`
		ExtraSpecs map[string]string `json:"extra_specs"`
	} `json:"flavor"`
}

func (w *serverWire) server() Server {
	out := Server{
		ID: w.ID, Name: w.Name, TenantID: w.TenantID, Host: w.Host, HypervisorHostname: w.HypervisorHostname,
		Status: w.Status, VMState: w.VMState, PowerState: w.PowerState, Locked: w.Locked, Metadata: w.Metadata,
		AvailabilityZone: w.AvailabilityZone, ServerGroups: w.ServerGroups,
		Flavor: Flavor{VCPUs: w.Flavor.VCPUs, RAMMB: w.Flavor.RAMMB, DiskGB: w.Flavor.DiskGB, ExtraSpecs: w.Flavor.ExtraSpecs},
	}
	if w.TaskState != nil {
		out.TaskState = *w.TaskState
	}
	if w.LockedReason != nil {
		out.LockedReason = *w.LockedReason
	}
	if w.PinnedAZ != nil {
		out.PinnedAvailabilityZone = *w.PinnedAZ
	}
	// A server booted from a volume renders "image": "" (an object otherwise).
	if img := strings.TrimSpace(string(w.Image)); img == `""` {
		out.VolumeBacked = true
	}
	if out.Metadata == nil {
		out.Metadata = map[string]string{}
	}
	return out
}

// serverPage is one page of GET /servers/detail.
type serverPage struct {
	Servers []serverWire       `json:"servers"`
	Links   []gophercloud.Link `json:"servers_links"`
}

// maxServerPages bounds ServersOnHost against a Nova (or proxy) whose
// next links never end: 10,000 pages of max_limit 1,000 servers.
const maxServerPages = 10000

// ServersOnHost returns every server on host, of all tenants, following
// every page (Masakari reads only the first, capped by Nova's max_limit).
func (c *Client) ServersOnHost(ctx context.Context, host string) ([]Server, error) {
	return c.serversOnHost(ctx, host, url.Values{"all_tenants": {"True"}, "host": {host}})
}

// ServersOnHostSince returns the servers on host, of all tenants, that
// changed at or after since (Nova's changes-since, compared with Nova's
// own clock), following every page. Nova includes deleted servers in such
// a list (status DELETED).
func (c *Client) ServersOnHostSince(ctx context.Context, host string, since time.Time) ([]Server, error) {
	return c.serversOnHost(ctx, host, url.Values{"all_tenants": {"True"}, "host": {host},
		"changes-since": {since.UTC().Format(time.RFC3339)}})
}

func (c *Client) serversOnHost(ctx context.Context, host string, q url.Values) ([]Server, error) {
	next := c.sc.ServiceURL("servers", "detail") + "?" + q.Encode()
	var out []Server
	seen := map[string]bool{}
	for pages := 0; next != ""; pages++ {
		if pages == maxServerPages || seen[next] {
			return nil, fmt.Errorf("list servers on %s: pagination does not end (%s)", host, next)
		}
		seen[next] = true
		var page serverPage
		if _, err := c.sc.Get(ctx, next, &page, nil); err != nil {
			return nil, fmt.Errorf("list servers on %s: %w", host, err)
		}
		for i := range page.Servers {
			out = append(out, page.Servers[i].server())
		}
		if len(page.Servers) == 0 {
			break
		}
		var err error
		if next, err = gophercloud.ExtractNextURL(page.Links); err != nil {
			return nil, fmt.Errorf("list servers on %s: %w", host, err)
		}
	}
	return out, nil
}

// Server returns one server, or an error wrapping ErrNotFound.
func (c *Client) Server(ctx context.Context, id string) (Server, error) {
	var body struct {
		Server serverWire `json:"server"`
	}
	if _, err := c.sc.Get(ctx, c.sc.ServiceURL("servers", url.PathEscape(id)), &body, nil); err != nil {
		return Server{}, fmt.Errorf("get server %s: %w", id, notFound(err))
	}
	return body.Server.server(), nil
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
// up and not forced down; that error also wraps ErrServiceInUse.
func (c *Client) Evacuate(ctx context.Context, id, targetHost string) error {
	// At >= 2.14 Nova answers 200 with an empty body; ExtractAdminPass
	// treats that as success where .Err would be io.EOF.
	if _, err := servers.Evacuate(ctx, c.sc, id, evacuateBody{host: targetHost}).ExtractAdminPass(); err != nil {
		// A 404 names either the server or the target host; only the
		// former means the server is gone.
		var ue gophercloud.ErrUnexpectedResponseCode
		isHTTP := errors.As(err, &ue)
		switch {
		case isHTTP && ue.Actual == http.StatusBadRequest && strings.Contains(string(ue.Body), "is still in use"):
			err = errors.Join(ErrServiceInUse, err)
		case !(isHTTP && strings.Contains(string(ue.Body), "Compute host")):
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

// LockServer locks the server against non-admin actions, with reason as
// its locked_reason where the microversion has one (Features.LockReason;
// "" = none). An admin locking an already locked server replaces the
// reason: read the server first to respect someone else's lock.
func (c *Client) LockServer(ctx context.Context, id, reason string) error {
	var body map[string]any
	if c.feat.LockReason && reason != "" {
		body = map[string]any{"lock": map[string]string{"locked_reason": reason}}
	} else {
		body = map[string]any{"lock": nil}
	}
	_, err := c.sc.Post(ctx, c.sc.ServiceURL("servers", url.PathEscape(id), "action"), body, nil, &gophercloud.RequestOpts{OkCodes: []int{http.StatusAccepted}})
	if err != nil {
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
