package api

import (
	"strconv"
	"time"

	"github.com/lazarus-ha/lazarus/store"
)

// Response bodies, field for field as Masakari's objects serialize.
// Datetimes are UTC without a zone, with microseconds
// ("2017-04-21T08:59:53.000000").

func masakariTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000000") }

func masakariTimePtr(t *time.Time) *string {
	if t == nil {
		return nil
	}
	s := masakariTime(*t)
	return &s
}

type segmentView struct {
	ID             int64   `json:"id"`
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

func viewSegment(s *store.Segment) *segmentView {
	return &segmentView{
		ID: s.ID, UUID: s.UUID, Name: s.Name, ServiceType: s.ServiceType, Enabled: s.Enabled,
		Description: s.Description, RecoveryMethod: s.RecoveryMethod,
		CreatedAt: masakariTime(s.CreatedAt), UpdatedAt: masakariTimePtr(s.UpdatedAt),
		DeletedAt: masakariTimePtr(s.DeletedAt), Deleted: s.Deleted,
	}
}

type hostView struct {
	ID                int64        `json:"id"`
	UUID              string       `json:"uuid"`
	Name              string       `json:"name"`
	FailoverSegmentID string       `json:"failover_segment_id"`
	FailoverSegment   *segmentView `json:"failover_segment"`
	Type              string       `json:"type"`
	Reserved          bool         `json:"reserved"`
	ControlAttributes string       `json:"control_attributes"`
	OnMaintenance     bool         `json:"on_maintenance"`
	CreatedAt         string       `json:"created_at"`
	UpdatedAt         *string      `json:"updated_at"`
	DeletedAt         *string      `json:"deleted_at"`
	Deleted           bool         `json:"deleted"`
}

func viewHost(h *store.Host) *hostView {
	return &hostView{
		ID: h.ID, UUID: h.UUID, Name: h.Name, FailoverSegmentID: h.FailoverSegmentID,
		FailoverSegment: viewSegment(h.Segment), Type: h.Type, Reserved: h.Reserved,
		ControlAttributes: h.ControlAttributes, OnMaintenance: h.OnMaintenance,
		CreatedAt: masakariTime(h.CreatedAt), UpdatedAt: masakariTimePtr(h.UpdatedAt),
		DeletedAt: masakariTimePtr(h.DeletedAt), Deleted: h.Deleted,
	}
}

// notificationView includes failover_segment_uuid and message, which
// Masakari master (microversion 1.3) added to the object.
type notificationView struct {
	ID                      int64             `json:"id"`
	NotificationUUID        string            `json:"notification_uuid"`
	GeneratedTime           string            `json:"generated_time"`
	SourceHostUUID          string            `json:"source_host_uuid"`
	Type                    string            `json:"type"`
	Payload                 map[string]string `json:"payload"`
	Status                  string            `json:"status"`
	FailoverSegmentUUID     string            `json:"failover_segment_uuid"`
	Message                 *string           `json:"message"`
	CreatedAt               string            `json:"created_at"`
	UpdatedAt               *string           `json:"updated_at"`
	DeletedAt               *string           `json:"deleted_at"`
	Deleted                 bool              `json:"deleted"`
	RecoveryWorkflowDetails []workflowView    `json:"recovery_workflow_details,omitempty"`
}

func viewNotification(n *store.Notification) *notificationView {
	return &notificationView{
		ID: n.ID, NotificationUUID: n.NotificationUUID, GeneratedTime: masakariTime(n.GeneratedTime),
		SourceHostUUID: n.SourceHostUUID, Type: n.Type, Payload: n.Payload, Status: n.Status,
		FailoverSegmentUUID: n.FailoverSegmentUUID, Message: n.Message,
		CreatedAt: masakariTime(n.CreatedAt), UpdatedAt: masakariTimePtr(n.UpdatedAt),
		DeletedAt: masakariTimePtr(n.DeletedAt), Deleted: n.Deleted,
	}
}

// notificationShowView always carries recovery_workflow_details, even
// empty (microversion ≥ 1.1).
type notificationShowView struct {
	*notificationView
	RecoveryWorkflowDetails []workflowView `json:"recovery_workflow_details"`
}

type workflowView struct {
	Name            string         `json:"name"`
	Progress        pyFloat        `json:"progress"`
	State           string         `json:"state"`
	ProgressDetails []progressView `json:"progress_details"`
}

// progressView: Masakari sends the inner progress as a string and the
// timestamp as Python's str(datetime).
type progressView struct {
	Timestamp string `json:"timestamp"`
	Message   string `json:"message"`
	Progress  string `json:"progress"`
}

func viewWorkflow(ds []store.WorkflowDetail) []workflowView {
	out := []workflowView{}
	for _, d := range ds {
		w := workflowView{Name: d.Name, Progress: pyFloat(d.Progress), State: d.State, ProgressDetails: []progressView{}}
		for _, p := range d.ProgressDetails {
			ts := p.Timestamp.UTC().Format("2006-01-02 15:04:05")
			if us := p.Timestamp.Nanosecond() / 1000; us != 0 {
				ts += "." + leftPad(strconv.Itoa(us), 6)
			}
			w.ProgressDetails = append(w.ProgressDetails, progressView{Timestamp: ts, Message: p.Message, Progress: pyFloatRepr(p.Progress)})
		}
		out = append(out, w)
	}
	return out
}

func leftPad(s string, n int) string {
	for len(s) < n {
		s = "0" + s
	}
	return s
}

type vmoveView struct {
	ID               int64   `json:"id"`
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

func viewVMove(v *store.VMoveRecord) *vmoveView {
	return &vmoveView{
		ID: v.ID, UUID: v.UUID, NotificationUUID: v.NotificationUUID, InstanceUUID: v.InstanceUUID,
		InstanceName: v.InstanceName, SourceHost: v.SourceHost, DestHost: v.DestHost,
		StartTime: masakariTimePtr(v.StartTime), EndTime: masakariTimePtr(v.EndTime),
		Type: v.Type, Status: v.Status, Message: v.Message,
		CreatedAt: masakariTime(v.CreatedAt), UpdatedAt: masakariTimePtr(v.UpdatedAt),
		DeletedAt: masakariTimePtr(v.DeletedAt), Deleted: v.Deleted,
	}
}

// pyFloat is a float written as Python writes it ("1.0", not "1").
type pyFloat float64

// MarshalJSON implements json.Marshaler.
func (f pyFloat) MarshalJSON() ([]byte, error) { return []byte(pyFloatRepr(float64(f))), nil }
