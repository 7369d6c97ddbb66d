package fencedevices

import (
	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/pagination"
)

// FenceDevice is a fence device as the API returns it: never its
// password, only whether one is set.
type FenceDevice struct {
	// ID is the device's uuid.
	ID       string  `json:"id"`
	HostID   string  `json:"host_id"`
	Level    int     `json:"level"`
	Driver   string  `json:"driver"`
	Agent    *string `json:"agent"`
	Address  string  `json:"address"`
	Port     *int    `json:"port"`
	Username string  `json:"username"`
	// PasswordSet says whether a password is stored (sealed) for it.
	PasswordSet bool              `json:"password_set"`
	Options     map[string]string `json:"options"`
	// FenceReady, LastError and CheckedAt are the last readiness check's
	// verdict; nil until a check ran.
	FenceReady *bool   `json:"fence_ready"`
	LastError  *string `json:"last_error"`
	CheckedAt  *string `json:"checked_at"`
	CreatedAt  string  `json:"created_at"`
	UpdatedAt  *string `json:"updated_at"`
}

// FenceConfirmation is an operator's recorded statement that a host is off.
type FenceConfirmation struct {
	ID          string `json:"id"`
	HostID      string `json:"host_id"`
	ConfirmedAt string `json:"confirmed_at"`
	ConfirmedBy string `json:"confirmed_by"`
	Comment     string `json:"comment"`
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

// ConfirmResult is the answer to Confirm.
type ConfirmResult struct{ gophercloud.Result }

// Extract returns the confirmation the API recorded.
func (r ConfirmResult) Extract() (*FenceConfirmation, error) {
	var s struct {
		FenceConfirmation *FenceConfirmation `json:"fence_confirmation"`
	}
	if err := r.ExtractInto(&s); err != nil {
		return nil, err
	}
	return s.FenceConfirmation, nil
}

// FenceDevicePage is the (single) page of a fence device list.
type FenceDevicePage struct {
	pagination.SinglePageBase
}

// IsEmpty reports whether the host has no fence device.
func (p FenceDevicePage) IsEmpty() (bool, error) {
	d, err := ExtractFenceDevices(p)
	return len(d) == 0, err
}

// ExtractFenceReady returns the host's readiness the list carries: true
// when some automatic fencing level has every device checked ready.
func ExtractFenceReady(p pagination.Page) (bool, error) {
	var s struct {
		FenceReady bool `json:"fence_ready"`
	}
	err := (p.(FenceDevicePage)).ExtractInto(&s)
	return s.FenceReady, err
}

// ExtractFenceDevices returns the fence devices of a page.
func ExtractFenceDevices(p pagination.Page) ([]FenceDevice, error) {
	var s struct {
		FenceDevices []FenceDevice `json:"fence_devices"`
	}
	err := (p.(FenceDevicePage)).ExtractInto(&s)
	return s.FenceDevices, err
}
