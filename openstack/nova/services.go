package nova

import (
	"context"
	"fmt"
	"time"

	"github.com/gophercloud/gophercloud/v2/openstack/compute/v2/services"
)

// Service is a nova-compute service.
type Service struct {
	// ID is the service UUID (microversion 2.53).
	ID string
	// Host is the service's host name, as Masakari's hosts are named.
	Host string
	// Status is "enabled" or "disabled".
	Status string
	// State is "up" or "down" (down also when forced down).
	State string
	// ForcedDown is the operator's (or Lazarus's) override.
	ForcedDown bool
	// DisabledReason is set while disabled.
	DisabledReason string
	// UpdatedAt is the service's last heartbeat or update.
	UpdatedAt time.Time
	// Zone is the host's availability zone.
	Zone string
}

// Up reports whether Nova considers the service alive (heartbeat within
// its service_down_time and not forced down).
func (s Service) Up() bool { return s.State == "up" && !s.ForcedDown }

func fromService(s services.Service) Service {
	return Service{
		ID: s.ID, Host: s.Host, Status: s.Status, State: s.State, ForcedDown: s.ForcedDown,
		DisabledReason: s.DisabledReason, UpdatedAt: s.UpdatedAt, Zone: s.Zone,
	}
}

// ComputeService returns the nova-compute service of host, or an error
// wrapping ErrNotFound when there is none.
func (c *Client) ComputeService(ctx context.Context, host string) (Service, error) {
	pages, err := services.List(c.sc, services.ListOpts{Binary: "nova-compute", Host: host}).AllPages(ctx)
	if err != nil {
		return Service{}, fmt.Errorf("list nova-compute services of %s: %w", host, err)
	}
	list, err := services.ExtractServices(pages)
	if err != nil {
		return Service{}, fmt.Errorf("decode nova-compute services of %s: %w", host, err)
	}
	for _, s := range list {
		// Nova filters by host already; the check guards against a proxy
		// or an old Nova that ignores the filter.
		if s.Host == host {
			return fromService(s), nil
		}
	}
	return Service{}, fmt.Errorf("nova-compute service of %s: %w", host, ErrNotFound)
}

// ComputeServices returns every nova-compute service.
func (c *Client) ComputeServices(ctx context.Context) ([]Service, error) {
	pages, err := services.List(c.sc, services.ListOpts{Binary: "nova-compute"}).AllPages(ctx)
	if err != nil {
		return nil, fmt.Errorf("list nova-compute services: %w", err)
	}
	list, err := services.ExtractServices(pages)
	if err != nil {
		return nil, fmt.Errorf("decode nova-compute services: %w", err)
	}
	out := make([]Service, 0, len(list))
	for _, s := range list {
		out = append(out, fromService(s))
	}
	return out, nil
}

// serviceUpdate is a PUT /os-services/{uuid} body written by hand:
// gophercloud's UpdateOpts drops forced_down=false (omitempty).
type serviceUpdate map[string]any

// ToServiceUpdateMap implements services.UpdateOptsBuilder.
func (u serviceUpdate) ToServiceUpdateMap() (map[string]any, error) { return u, nil }

func (c *Client) updateService(ctx context.Context, id string, body serviceUpdate) error {
	if err := services.Update(ctx, c.sc, id, body).Err; err != nil {
		return notFound(err)
	}
	return nil
}

// SetForcedDown sets the service's forced_down flag; false is sent too.
// Nova refuses false (400) while evacuations from the host are not cleaned
// up by a restarted nova-compute.
func (c *Client) SetForcedDown(ctx context.Context, serviceID string, down bool) error {
	if err := c.updateService(ctx, serviceID, serviceUpdate{"forced_down": down}); err != nil {
		return fmt.Errorf("set forced_down=%t on service %s: %w", down, serviceID, err)
	}
	return nil
}

// ForceDownAndDisable sets forced_down and disables the service with
// reason ("" = none) in one PUT: from 2.53 Nova applies both fields of one
// body, a round trip less than SetForcedDown and DisableService.
func (c *Client) ForceDownAndDisable(ctx context.Context, serviceID, reason string) error {
	body := serviceUpdate{"forced_down": true, "status": "disabled"}
	if reason != "" {
		body["disabled_reason"] = reason
	}
	if err := c.updateService(ctx, serviceID, body); err != nil {
		return fmt.Errorf("force down and disable service %s: %w", serviceID, err)
	}
	return nil
}

// DisableService disables the service, recording reason ("" = none).
func (c *Client) DisableService(ctx context.Context, serviceID, reason string) error {
	body := serviceUpdate{"status": "disabled"}
	if reason != "" {
		body["disabled_reason"] = reason
	}
	if err := c.updateService(ctx, serviceID, body); err != nil {
		return fmt.Errorf("disable service %s: %w", serviceID, err)
	}
	return nil
}

// EnableService enables the service (Nova clears the disabled reason).
func (c *Client) EnableService(ctx context.Context, serviceID string) error {
	if err := c.updateService(ctx, serviceID, serviceUpdate{"status": "enabled"}); err != nil {
		return fmt.Errorf("enable service %s: %w", serviceID, err)
	}
	return nil
}
