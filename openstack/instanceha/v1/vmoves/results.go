package vmoves

import (
	"strconv"

	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/pagination"
)

// VMove is the move of one instance off a failed host.
type VMove struct {
	ID               int     `json:"id"`
	UUID             string  `json:"uuid"`
	NotificationUUID string  `json:"notification_uuid"`
	InstanceUUID     string  `json:"instance_uuid"`
	InstanceName     string  `json:"instance_name"`
	SourceHost       string  `json:"source_host"`
	DestHost         *string `json:"dest_host"`
	StartTime        *string `json:"start_time"`
	EndTime          *string `json:"end_time"`
	Type             string  `json:"type"`
	Status           string  `json:"status"`
	Message          *string `json:"message"`
	CreatedAt        string  `json:"created_at"`
	UpdatedAt        *string `json:"updated_at"`
	DeletedAt        *string `json:"deleted_at"`
	Deleted          bool    `json:"deleted"`
}

// GetResult is the answer to Get.
type GetResult struct {
	gophercloud.Result
}

// Extract returns the move.
func (r GetResult) Extract() (*VMove, error) {
	var s struct {
		VMove *VMove `json:"vmove"`
	}
	if err := r.ExtractInto(&s); err != nil {
		return nil, err
	}
	return s.VMove, nil
}

// VMovePage is one page of a move list.
type VMovePage struct {
	pagination.MarkerPageBase
}

// IsEmpty reports whether the page holds no move, which ends paging.
func (p VMovePage) IsEmpty() (bool, error) {
	if p.StatusCode == 204 {
		return true, nil
	}
	v, err := ExtractVMoves(p)
	return len(v) == 0, err
}

// LastMarker returns the integer id of the page's last move.
func (p VMovePage) LastMarker() (string, error) {
	v, err := ExtractVMoves(p)
	if err != nil || len(v) == 0 {
		return "", err
	}
	return strconv.Itoa(v[len(v)-1].ID), nil
}

// ExtractVMoves returns the moves of a page.
func ExtractVMoves(p pagination.Page) ([]VMove, error) {
	var s struct {
		VMoves []VMove `json:"vmoves"`
	}
	err := (p.(VMovePage)).ExtractInto(&s)
	return s.VMoves, err
}
