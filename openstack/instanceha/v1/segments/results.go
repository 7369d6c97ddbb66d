package segments

import (
	"strconv"

	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/pagination"
)

// Segment is a failover segment as the API returns it. Timestamps are kept
// as the server spells them (Masakari: "2017-04-21T08:59:53.000000", UTC, no
// zone).
type Segment struct {
	ID             int     `json:"id"`
	UUID           string  `json:"uuid"`
	Name           string  `json:"name"`
	ServiceType    string  `json:"service_type"`
	Enabled        bool    `json:"enabled"`
	Description    *string `json:"description"`
	RecoveryMethod string  `json:"recovery_method"`
	CreatedAt      string  `json:"created_at"`
	UpdatedAt      *string `json:"updated_at"`
	DeletedAt      *string `json:"deleted_at"`
	Deleted        bool    `json:"deleted"`
}

type commonResult struct {
	gophercloud.Result
}

// Extract returns the segment of a Get, Create or Update.
func (r commonResult) Extract() (*Segment, error) {
	var s struct {
		Segment *Segment `json:"segment"`
	}
	if err := r.ExtractInto(&s); err != nil {
		return nil, err
	}
	return s.Segment, nil
}

// GetResult is the answer to Get.
type GetResult struct{ commonResult }

// CreateResult is the answer to Create.
type CreateResult struct{ commonResult }

// UpdateResult is the answer to Update.
type UpdateResult struct{ commonResult }

// DeleteResult is the answer to Delete; call ExtractErr.
type DeleteResult struct{ gophercloud.ErrResult }

// SegmentPage is one page of a segment list.
type SegmentPage struct {
	pagination.MarkerPageBase
}

// IsEmpty reports whether the page holds no segment, which ends paging.
func (p SegmentPage) IsEmpty() (bool, error) {
	if p.StatusCode == 204 {
		return true, nil
	}
	s, err := ExtractSegments(p)
	return len(s) == 0, err
}

// LastMarker returns the integer id of the page's last segment.
func (p SegmentPage) LastMarker() (string, error) {
	s, err := ExtractSegments(p)
	if err != nil || len(s) == 0 {
		return "", err
	}
	return strconv.Itoa(s[len(s)-1].ID), nil
}

// ExtractSegments returns the segments of a page.
func ExtractSegments(p pagination.Page) ([]Segment, error) {
	var s struct {
		Segments []Segment `json:"segments"`
	}
	err := (p.(SegmentPage)).ExtractInto(&s)
	return s.Segments, err
}
