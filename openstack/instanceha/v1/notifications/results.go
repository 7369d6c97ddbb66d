package notifications

import (
	"strconv"

	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/pagination"
)

// Notification is a failure report and the state of its recovery.
type Notification struct {
	ID               int            `json:"id"`
	NotificationUUID string         `json:"notification_uuid"`
	GeneratedTime    string         `json:"generated_time"`
	SourceHostUUID   string         `json:"source_host_uuid"`
	Type             string         `json:"type"`
	Payload          map[string]any `json:"payload"`
	// Status is new, running, error, failed, ignored or finished.
	Status    string  `json:"status"`
	CreatedAt string  `json:"created_at"`
	UpdatedAt *string `json:"updated_at"`
	DeletedAt *string `json:"deleted_at"`
	Deleted   bool    `json:"deleted"`
	// FailoverSegmentUUID and Message are Masakari master's additions.
	FailoverSegmentUUID string  `json:"failover_segment_uuid,omitempty"`
	Message             *string `json:"message,omitempty"`
	// RecoveryWorkflowDetails is returned by Get at microversion 1.1 and later.
	RecoveryWorkflowDetails []WorkflowDetail `json:"recovery_workflow_details,omitempty"`
}

// WorkflowDetail is one task of a recovery and its progress messages.
type WorkflowDetail struct {
	Name string `json:"name"`
	// State is a taskflow state: PENDING, RUNNING, SUCCESS, FAILURE, REVERTED…
	State string `json:"state"`
	// Progress runs from 0 to 1.
	Progress        float64          `json:"progress"`
	ProgressDetails []ProgressDetail `json:"progress_details"`
}

// ProgressDetail is one progress message of a task. Progress is a string
// on the wire ("0.5"), as in Masakari.
type ProgressDetail struct {
	Timestamp string `json:"timestamp"`
	Message   string `json:"message"`
	Progress  string `json:"progress"`
}

type commonResult struct {
	gophercloud.Result
}

// Extract returns the notification of a Get or Create.
func (r commonResult) Extract() (*Notification, error) {
	var s struct {
		Notification *Notification `json:"notification"`
	}
	if err := r.ExtractInto(&s); err != nil {
		return nil, err
	}
	return s.Notification, nil
}

// GetResult is the answer to Get.
type GetResult struct{ commonResult }

// CreateResult is the answer to Create.
type CreateResult struct{ commonResult }

// NotificationPage is one page of a notification list.
type NotificationPage struct {
	pagination.MarkerPageBase
}

// IsEmpty reports whether the page holds no notification, which ends paging.
func (p NotificationPage) IsEmpty() (bool, error) {
	if p.StatusCode == 204 {
		return true, nil
	}
	n, err := ExtractNotifications(p)
	return len(n) == 0, err
}

// LastMarker returns the integer id of the page's last notification.
func (p NotificationPage) LastMarker() (string, error) {
	n, err := ExtractNotifications(p)
	if err != nil || len(n) == 0 {
		return "", err
	}
	return strconv.Itoa(n[len(n)-1].ID), nil
}

// ExtractNotifications returns the notifications of a page.
func ExtractNotifications(p pagination.Page) ([]Notification, error) {
	var s struct {
		Notifications []Notification `json:"notifications"`
	}
	err := (p.(NotificationPage)).ExtractInto(&s)
	return s.Notifications, err
}
