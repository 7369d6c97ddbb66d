package hosts

import (
	"strconv"

	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/pagination"

	"github.com/lazarus-ha/lazarus/openstack/instanceha/v1/segments"
)

// Host is a segment member as the API returns it, with its whole segment
// embedded (Masakari's view does the same).
type Host struct {
	ID                int              `json:"id"`
	UUID              string           `json:"uuid"`
	Name              string           `json:"name"`
	FailoverSegmentID string           `json:"failover_segment_id"`
	FailoverSegment   segments.Segment `json:"failover_segment"`
	Type              string           `json:"type"`
	Reserved          bool             `json:"reserved"`
	ControlAttributes string           `json:"control_attributes"`
	OnMaintenance     bool             `json:"on_maintenance"`
	CreatedAt         string           `json:"created_at"`
	UpdatedAt         *string          `json:"updated_at"`
	DeletedAt         *string          `json:"deleted_at"`
	Deleted           bool             `json:"deleted"`
}

type commonResult struct {
	gophercloud.Result
}

// Extract returns the host of a Get, Create or Update.
func (r commonResult) Extract() (*Host, error) {
	var s struct {
		Host *Host `json:"host"`
	}
	if err := r.ExtractInto(&s); err != nil {
		return nil, err
	}
	return s.Host, nil
}

// GetResult is the answer to Get.
type GetResult struct{ commonResult }

// CreateResult is the answer to Create.
type CreateResult struct{ commonResult }

// UpdateResult is the answer to Update.
type UpdateResult struct{ commonResult }

// DeleteResult is the answer to Delete; call ExtractErr.
type DeleteResult struct{ gophercloud.ErrResult }

// HostPage is one page of a host list.
type HostPage struct {
	pagination.MarkerPageBase
}

// IsEmpty reports whether the page holds no host, which ends paging.
func (p HostPage) IsEmpty() (bool, error) {
	if p.StatusCode == 204 {
		return true, nil
	}
	h, err := ExtractHosts(p)
	return len(h) == 0, err
}

// LastMarker returns the integer id of the page's last host.
func (p HostPage) LastMarker() (string, error) {
	h, err := ExtractHosts(p)
	if err != nil || len(h) == 0 {
		return "", err
	}
	return strconv.Itoa(h[len(h)-1].ID), nil
}

// ExtractHosts returns the hosts of a page.
func ExtractHosts(p pagination.Page) ([]Host, error) {
	var s struct {
		Hosts []Host `json:"hosts"`
	}
	err := (p.(HostPage)).ExtractInto(&s)
	return s.Hosts, err
}
