package fencedevices

import (
	"context"
	"encoding/json"
	"net/http"

	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/pagination"
)

// List returns a Pager over a host's fence devices. The API returns them in
// one page, so the pager makes a single request.
func List(client *gophercloud.ServiceClient, segmentID, hostID string) pagination.Pager {
	return pagination.NewPager(client, ListURL(client, segmentID, hostID), func(r pagination.PageResult) pagination.Page {
		return FenceDevicePage{pagination.SinglePageBase(r)}
	})
}

// Get fetches one fence device.
func Get(ctx context.Context, client *gophercloud.ServiceClient, segmentID, hostID, id string) (r GetResult) {
	var raw json.RawMessage
	resp, err := client.Get(ctx, GetURL(client, segmentID, hostID, id), &raw, nil)
	r.Body = raw
	_, r.Header, r.Err = gophercloud.ParseResponse(resp, err)
	return
}

// CreateOptsBuilder builds the body of a Create request.
type CreateOptsBuilder interface {
	ToFenceDeviceCreateMap() (map[string]any, error)
}

// CreateOpts is a new fence device. Driver is "ipmi" or "agent"; an agent
// device names its ClusterLabs fence agent (e.g. fence_ipmilan) in Agent.
// Level orders devices: level 1 is tried first.
type CreateOpts struct {
	Level    int               `json:"level" required:"true"`
	Driver   string            `json:"driver" required:"true"`
	Address  string            `json:"address,omitempty"`
	Port     int               `json:"port,omitempty"`
	Username string            `json:"username,omitempty"`
	Password string            `json:"password,omitempty"`
	Agent    string            `json:"agent,omitempty"`
	Options  map[string]string `json:"options,omitempty"`
}

// ToFenceDeviceCreateMap wraps the options in {"fence_device": {...}}.
func (opts CreateOpts) ToFenceDeviceCreateMap() (map[string]any, error) {
	return gophercloud.BuildRequestBody(opts, "fence_device")
}

// Create adds a fence device to a host.
func Create(ctx context.Context, client *gophercloud.ServiceClient, segmentID, hostID string, opts CreateOptsBuilder) (r CreateResult) {
	b, err := opts.ToFenceDeviceCreateMap()
	if err != nil {
		r.Err = err
		return
	}
	var raw json.RawMessage
	resp, err := client.Post(ctx, ListURL(client, segmentID, hostID), b, &raw, &gophercloud.RequestOpts{
		OkCodes: []int{http.StatusCreated, http.StatusOK},
	})
	r.Body = raw
	_, r.Header, r.Err = gophercloud.ParseResponse(resp, err)
	return
}

// UpdateOptsBuilder builds the body of an Update request.
type UpdateOptsBuilder interface {
	ToFenceDeviceUpdateMap() (map[string]any, error)
}

// UpdateOpts changes a fence device; nil fields are left alone.
type UpdateOpts struct {
	Level    *int              `json:"level,omitempty"`
	Driver   *string           `json:"driver,omitempty"`
	Address  *string           `json:"address,omitempty"`
	Port     *int              `json:"port,omitempty"`
	Username *string           `json:"username,omitempty"`
	Password *string           `json:"password,omitempty"`
	Agent    *string           `json:"agent,omitempty"`
	Options  map[string]string `json:"options,omitempty"`
}

// ToFenceDeviceUpdateMap wraps the options in {"fence_device": {...}}.
func (opts UpdateOpts) ToFenceDeviceUpdateMap() (map[string]any, error) {
	return gophercloud.BuildRequestBody(opts, "fence_device")
}

// Update changes a fence device.
func Update(ctx context.Context, client *gophercloud.ServiceClient, segmentID, hostID, id string, opts UpdateOptsBuilder) (r UpdateResult) {
	b, err := opts.ToFenceDeviceUpdateMap()
	if err != nil {
		r.Err = err
		return
	}
	var raw json.RawMessage
	resp, err := client.Put(ctx, GetURL(client, segmentID, hostID, id), b, &raw, &gophercloud.RequestOpts{
		OkCodes: []int{http.StatusOK},
	})
	r.Body = raw
	_, r.Header, r.Err = gophercloud.ParseResponse(resp, err)
	return
}

// Delete removes a fence device.
func Delete(ctx context.Context, client *gophercloud.ServiceClient, segmentID, hostID, id string) (r DeleteResult) {
	resp, err := client.Delete(ctx, GetURL(client, segmentID, hostID, id), &gophercloud.RequestOpts{
		OkCodes: []int{http.StatusNoContent, http.StatusOK},
	})
	_, r.Header, r.Err = gophercloud.ParseResponse(resp, err)
	return
}

// ConfirmOptsBuilder builds the body of a Confirm request.
type ConfirmOptsBuilder interface {
	ToFenceConfirmMap() (map[string]any, error)
}

// ConfirmOpts is an operator's statement that a host is powered off.
type ConfirmOpts struct {
	// Comment is free text kept with the confirmation (at most 1024 characters).
	Comment string `json:"comment,omitempty"`
}

// ToFenceConfirmMap wraps the options in {"fence_confirm": {...}}.
func (opts ConfirmOpts) ToFenceConfirmMap() (map[string]any, error) {
	return gophercloud.BuildRequestBody(opts, "fence_confirm")
}

// Confirm records that the operator has checked the host is off, which the
// engine accepts as proof of death when no fence device can give one.
func Confirm(ctx context.Context, client *gophercloud.ServiceClient, segmentID, hostID string, opts ConfirmOptsBuilder) (r ConfirmResult) {
	b, err := opts.ToFenceConfirmMap()
	if err != nil {
		r.Err = err
		return
	}
	var raw json.RawMessage
	resp, err := client.Post(ctx, ConfirmURL(client, segmentID, hostID), b, &raw, &gophercloud.RequestOpts{
		OkCodes: []int{http.StatusCreated, http.StatusOK},
	})
	r.Body = raw
	_, r.Header, r.Err = gophercloud.ParseResponse(resp, err)
	return
}
