package fencedevices

import (
	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/pagination"
)

// FenceDevice is a fence device as the API returns it (never with its
// password).
type FenceDevice struct {
	ID        int               `json:"id,omitempty"`
	UUID      string            `json:"uuid"`
	HostUUID  string            `json:"host_uuid,omitempty"`
	Level     int               `json:"level"`
	Driver    string            `json:"driver"`
	Address   string            `json:"address"`
	Port      int               `json:"port"`
	Username  string            `json:"username"`
	Agent     string            `json:"agent"`
	Options   map[string]string `json:"options"`
	CreatedAt string            `json:"created_at"`
	UpdatedAt *string           `json:"updated_at"`
}

type commonResult struct {
	gophercloud.Result
}

// Extract returns the fence device of a Get, Create or Update.
func (r commonResult) Extract() (*FenceDevice, error) {
	var s struct {
		FenceDevice *FenceDevice `json:"fence_device"`
	}
	if err := r.ExtractInto(&s); err != nil {
		return nil, err
	}
	return s.FenceDevice, nil
}

// GetResult is the answer to Get.
type GetResult struct{ commonResult }

// CreateResult is the answer to Create.
type CreateResult struct{ commonResult }

// UpdateResult is the answer to Update.
type UpdateResult struct{ commonResult }

// DeleteResult is the answer to Delete; call ExtractErr.
type DeleteResult struct{ gophercloud.ErrResult }

// ConfirmResult is the answer to Confirm; its body, if any, is the
// confirmation the API recorded.
type ConfirmResult struct{ gophercloud.Result }

// FenceDevicePage is the (single) page of a fence device list.
type FenceDevicePage struct {
	pagination.SinglePageBase
}

// IsEmpty reports whether the host has no fence device.
func (p FenceDevicePage) IsEmpty() (bool, error) {
	d, err := ExtractFenceDevices(p)
	return len(d) == 0, err
}

// ExtractFenceDevices returns the fence devices of a page.
func ExtractFenceDevices(p pagination.Page) ([]FenceDevice, error) {
	var s struct {
		FenceDevices []FenceDevice `json:"fence_devices"`
	}
	err := (p.(FenceDevicePage)).ExtractInto(&s)
	return s.FenceDevices, err
}
