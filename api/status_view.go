package api

import (
	"fmt"
	"strings"
	"time"

	"github.com/lazarus-ha/lazarus/store"
)

// heartbeatFresh is how old a monitor heartbeat may be and still count as
// live on the status page: 3 × the default [hostmonitor]
// heartbeat_interval, the engine's default monitor_stale_after.
const heartbeatFresh = 30 * time.Second

// statusView is what the status page (and state.json) shows.
type statusView struct {
	Now        string `json:"now"`
	Leader     string `json:"engine_leader"`
	User       string `json:"user"`
	Project    string `json:"project"`
	NoAuth     bool   `json:"noauth"`
	PollMillis int    `json:"-"`
	// Summary counts, for the header.
	HostsTotal     int                  `json:"hosts_total"`
	HostsAtRisk    int                  `json:"hosts_at_risk"`
	ActiveCount    int                  `json:"active_recoveries"`
	HoldCount      int                  `json:"holds"`
	Holds          []statusHoldView     `json:"holds_detail"`
	Active         []statusRecoveryView `json:"active"`
	Recent         []statusRecoveryView `json:"recent"`
	Segments       []statusSegmentView  `json:"segments"`
	MonitorsSilent int                  `json:"monitors_silent"`
}

type statusHoldView struct {
	NotificationUUID string `json:"notification_uuid"`
	Host             string `json:"host"`
	Segment          string `json:"segment"`
	Reason           string `json:"reason"`
	Since            string `json:"since"`
	For              string `json:"for"`
	ConfirmCLI       string `json:"confirm_cli"`
	ConfirmCurl      string `json:"confirm_curl"`
}

type statusSegmentView struct {
	UUID           string           `json:"uuid"`
	Name           string           `json:"name"`
	ServiceType    string           `json:"service_type"`
	RecoveryMethod string           `json:"recovery_method"`
	Enabled        bool             `json:"enabled"`
	Hosts          []statusHostView `json:"hosts"`
}

type statusHostView struct {
	UUID     string `json:"uuid"`
	Name     string `json:"name"`
	Type     string `json:"type"`
	Reserved bool   `json:"reserved"`
	// Maintenance is "" when the host is not in maintenance, else who put
	// it there and why.
	Maintenance string `json:"maintenance"`
	// Fence is the readiness summary (ready, NOT READY, unchecked, none)
	// with Class its colour and FenceDetail one line per device.
	Fence       string   `json:"fence"`
	FenceClass  string   `json:"fence_class"`
	FenceDetail []string `json:"fence_detail"`
	// Heartbeat is the age of the monitor's last heartbeat ("never").
	Heartbeat      string `json:"heartbeat"`
	HeartbeatClass string `json:"heartbeat_class"`
	// Recovery is the host's active recovery's notification, if any.
	Recovery      string `json:"active_recovery"`
	RecoveryState string `json:"active_recovery_state"`
}

type statusRecoveryView struct {
	NotificationUUID string `json:"notification_uuid"`
	Type             string `json:"type"`
	Kind             string `json:"kind"`
	Host             string `json:"host"`
	Segment          string `json:"segment"`
	// State is the recovery's state in capitals (PENDING, RUNNING, HELD,
	// FINISHED, ERROR, …): the notification status once it is done.
	State      string           `json:"state"`
	StateClass string           `json:"state_class"`
	Message    string           `json:"message"`
	Started    string           `json:"started"`
	Elapsed    string           `json:"elapsed"`
	Attempt    int              `json:"attempt"`
	Owner      string           `json:"owner"`
	Steps      []statusStepView `json:"steps"`
	Moves      []statusMoveView `json:"moves"`
	MovesDone  int              `json:"moves_done"`
	// Percent of the moves done, for the progress bar.
	Percent int  `json:"percent"`
	Open    bool `json:"-"`
}

type statusStepView struct {
	Name     string   `json:"name"`
	State    string   `json:"state"`
	Class    string   `json:"class"`
	At       string   `json:"at"`
	Took     string   `json:"took"`
	Messages []string `json:"messages"`
}

type statusMoveView struct {
	Instance string `json:"instance"`
	UUID     string `json:"instance_uuid"`
	From     string `json:"from"`
	To       string `json:"to"`
	Status   string `json:"status"`
	Class    string `json:"class"`
	Took     string `json:"took"`
	Message  string `json:"message"`
}

func buildStatusView(snap *store.StatusSnapshot, base string) *statusView {
	now := snap.Now
	v := &statusView{Now: clock(now, now), Leader: snap.Leader}
	segNames := map[string]string{}
	active := map[string]store.StatusRecovery{}
	for _, r := range snap.Recoveries {
		if r.State != store.RecoveryStateDone && r.Kind == store.RecoveryKindHost {
			active[r.HostUUID] = r
		}
	}
	for _, s := range snap.Segments {
		segNames[s.UUID] = s.Name
		sv := statusSegmentView{UUID: s.UUID, Name: s.Name, ServiceType: s.ServiceType, RecoveryMethod: s.RecoveryMethod, Enabled: s.Enabled}
		for _, h := range s.Hosts {
			hv := statusHostView{UUID: h.UUID, Name: h.Name, Type: h.Type, Reserved: h.Reserved}
			hv.Maintenance = maintenanceReason(h, now)
			hv.Fence, hv.FenceClass, hv.FenceDetail = fenceReadiness(h.FenceDevices, now)
			hv.Heartbeat, hv.HeartbeatClass = heartbeatAge(h.HeartbeatAt, now)
			if r, ok := active[h.UUID]; ok {
				hv.Recovery, hv.RecoveryState = r.NotificationUUID, strings.ToUpper(r.State)
			}
			if hv.FenceClass == "bad" || hv.HeartbeatClass == "bad" {
				v.HostsAtRisk++
			}
			if hv.HeartbeatClass == "bad" {
				v.MonitorsSilent++
			}
			v.HostsTotal++
			sv.Hosts = append(sv.Hosts, hv)
		}
		v.Segments = append(v.Segments, sv)
	}
	for _, r := range snap.Recoveries {
		rv := buildStatusRecoveryView(r, now)
		if r.State == store.RecoveryStateDone {
			v.Recent = append(v.Recent, rv)
			continue
		}
		rv.Open = true
		v.Active = append(v.Active, rv)
		if r.State == store.RecoveryStateHeld {
			seg := r.SegmentName
			v.Holds = append(v.Holds, statusHoldView{
				NotificationUUID: r.NotificationUUID, Host: r.HostName, Segment: seg, Reason: r.HoldReason,
				Since: clock(lastHold(r), now), For: age(now.Sub(lastHold(r))),
				ConfirmCLI: fmt.Sprintf("lazarus fence-device confirm %s %s --comment 'checked: powered off'", shellWord(seg), shellWord(r.HostName)),
				ConfirmCurl: fmt.Sprintf(`curl -X POST -H "X-Auth-Token: $OS_TOKEN" -H 'Content-Type: application/json' \
  -d '{"fence_confirm": {"comment": "checked: powered off"}}' \
  %s/v1/segments/%s/hosts/%s/fence_confirm`, base, r.SegmentUUID, r.HostUUID),
			})
		}
	}
	v.ActiveCount, v.HoldCount = len(v.Active), len(v.Holds)
	return v
}

// lastHold is when the recovery was last held: its latest HELD journal row,
// else its creation.
func lastHold(r store.StatusRecovery) time.Time {
	for i := len(r.Steps) - 1; i >= 0; i-- {
		if r.Steps[i].State == store.StepStateHeld {
			return r.Steps[i].CreatedAt
		}
	}
	return r.CreatedAt
}

func buildStatusRecoveryView(r store.StatusRecovery, now time.Time) statusRecoveryView {
	rv := statusRecoveryView{
		NotificationUUID: r.NotificationUUID, Type: r.NotificationType, Kind: r.Kind, Host: r.HostName, Segment: r.SegmentName,
		Message: r.Message, Started: clock(r.CreatedAt, now), Attempt: r.Attempt, Owner: r.LeaseOwner,
	}
	end := now
	if r.FinishedAt != nil {
		end = *r.FinishedAt
	}
	rv.Elapsed = seconds(end.Sub(r.CreatedAt))
	switch r.State {
	case store.RecoveryStateDone:
		rv.State = strings.ToUpper(r.NotificationStatus)
	default:
		rv.State = strings.ToUpper(r.State)
	}
	rv.StateClass = stateClass(rv.State)
	if r.State == store.RecoveryStateHeld && r.HoldReason != "" {
		rv.Message = "Recovery held: " + r.HoldReason
	}

	// One timeline row per step name, in the order the steps first ran;
	// the evacuate step's per-instance rows fold into one (the moves table
	// has the detail).
	index := map[string]int{}
	var first []time.Time
	items := map[string]map[string]string{} // step name -> item -> latest state
	var itemOrder []string
	for _, e := range r.Steps {
		i, ok := index[e.Name]
		if !ok {
			i = len(rv.Steps)
			index[e.Name] = i
			first = append(first, e.CreatedAt)
			rv.Steps = append(rv.Steps, statusStepView{Name: e.Name, At: "+" + seconds(e.CreatedAt.Sub(r.CreatedAt))})
		}
		s := &rv.Steps[i]
		s.Took = seconds(e.CreatedAt.Sub(first[i]))
		if e.Item != "" {
			if items[e.Name] == nil {
				items[e.Name] = map[string]string{}
				itemOrder = append(itemOrder, e.Name)
			}
			items[e.Name][e.Item] = e.State
			continue
		}
		s.State = e.State
		if e.Message != "" && (len(s.Messages) == 0 || s.Messages[len(s.Messages)-1] != e.Message) {
			s.Messages = append(s.Messages, e.Message)
		}
	}
	// A step run per item (evacuate: one per instance) is RUNNING while any
	// item is, FAILURE when one failed, else its items' state.
	for _, name := range itemOrder {
		s := &rv.Steps[index[name]]
		counts := map[string]int{}
		for _, st := range items[name] {
			counts[st]++
		}
		switch {
		case counts[store.StepStateRunning] > 0:
			s.State = store.StepStateRunning
		case counts[store.StepStateFailure] > 0:
			s.State = store.StepStateFailure
		case s.State == "":
			s.State = store.StepStateSuccess
		}
		if name != "evacuate" || len(r.VMoves) == 0 {
			s.Messages = append(s.Messages, fmt.Sprintf("%d of %d done", len(items[name])-counts[store.StepStateRunning], len(items[name])))
		}
	}
	for i := range rv.Steps {
		if n := len(rv.Steps[i].Messages); n > 3 {
			rv.Steps[i].Messages = rv.Steps[i].Messages[n-3:]
		}
		rv.Steps[i].Class = stateClass(rv.Steps[i].State)
	}
	for _, m := range r.VMoves {
		mv := statusMoveView{Instance: m.InstanceName, UUID: m.InstanceUUID, From: m.SourceHost, To: m.DestHost,
			Status: strings.ToUpper(m.Status), Message: m.Message}
		if mv.Instance == "" {
			mv.Instance = m.InstanceUUID
		}
		mv.Class = stateClass(mv.Status)
		if m.StartTime != nil {
			e := now
			if m.EndTime != nil {
				e = *m.EndTime
			}
			mv.Took = seconds(e.Sub(*m.StartTime))
		}
		switch m.Status {
		case "succeeded", "failed", "ignored":
			rv.MovesDone++
		}
		rv.Moves = append(rv.Moves, mv)
	}
	if len(rv.Moves) > 0 {
		rv.Percent = 100 * rv.MovesDone / len(rv.Moves)
		// The evacuate step counts the instances to move, not only the
		// ones whose evacuation started.
		if i, ok := index["evacuate"]; ok {
			rv.Steps[i].Messages = append(rv.Steps[i].Messages, fmt.Sprintf("%d of %d instances done", rv.MovesDone, len(rv.Moves)))
		}
	}
	return rv
}

// maintenanceReason says who put a host in maintenance and after what.
func maintenanceReason(h store.StatusHost, now time.Time) string {
	if !h.OnMaintenance {
		return ""
	}
	if !h.MaintenanceByLazarus {
		return "set by an operator (openstack segment host update --on_maintenance False … clears it)"
	}
	if r := h.LastRecovery; r != nil {
		at := r.CreatedAt
		if r.FinishedAt != nil {
			at = *r.FinishedAt
		}
		if r.FinishedAt == nil {
			return fmt.Sprintf("set by Lazarus for the %s recovery of notification %s (%s since %s); cleared when nova-compute is back up",
				r.Kind, r.NotificationUUID, strings.ToLower(r.NotificationStatus), clock(at, now))
		}
		return fmt.Sprintf("set by Lazarus after the %s recovery of notification %s (%s, %s); cleared when nova-compute is back up",
			r.Kind, r.NotificationUUID, strings.ToLower(r.NotificationStatus), clock(at, now))
	}
	return "set by Lazarus after a recovery; cleared when nova-compute is back up"
}

// fenceReadiness sums a host's devices up by the level that will be tried
// first: ready when every device of the first level passed its last check;
// "operator confirms" when that level is manual; a later level's readiness
// is a warning; NOT READY when no level can work.
func fenceReadiness(devs []*store.FenceDevice, now time.Time) (summary, class string, detail []string) {
	if len(devs) == 0 {
		return "no fence device", "bad", nil
	}
	const (
		ready = iota
		manual
		unchecked
		failed
	)
	level := map[int]int{} // level -> worst state of its devices
	var levels []int
	for _, d := range devs {
		if _, seen := level[d.Level]; !seen {
			level[d.Level] = ready
			levels = append(levels, d.Level)
		}
		name := d.Driver
		if d.Agent != "" {
			name = d.Agent
		}
		if d.Address != "" {
			name += " " + d.Address
		}
		line := fmt.Sprintf("L%d %s: ", d.Level, name)
		st := ready
		switch {
		case d.Driver == "manual":
			line += "waits for an operator's confirmation"
			st = manual
		case d.FenceReady == nil:
			line += "not checked yet"
			st = unchecked
		case *d.FenceReady:
			line += "ready"
		default:
			line += "NOT READY"
			if d.LastError != nil && *d.LastError != "" {
				line += " — " + *d.LastError
			}
			st = failed
		}
		if d.CheckedAt != nil {
			line += " (checked " + age(now.Sub(*d.CheckedAt)) + ")"
		}
		level[d.Level] = max(level[d.Level], st)
		detail = append(detail, line)
	}
	for i, l := range levels {
		switch level[l] {
		case ready:
			if i == 0 {
				return "ready", "ok", detail
			}
			return fmt.Sprintf("level %d ready", l), "warn", detail
		case manual:
			return "operator confirms", "warn", detail
		case unchecked:
			return "not checked yet", "warn", detail
		}
	}
	return "NOT READY", "bad", detail
}

func heartbeatAge(at *time.Time, now time.Time) (string, string) {
	if at == nil {
		return "never", "muted"
	}
	d := now.Sub(*at)
	if d > heartbeatFresh {
		return age(d) + " (silent)", "bad"
	}
	return age(d), "ok"
}

func stateClass(s string) string {
	switch strings.ToUpper(s) {
	case "SUCCESS", "FINISHED", "SUCCEEDED", "DONE":
		return "ok"
	case "RUNNING", "ONGOING", "PENDING", "NEW":
		return "run"
	case "HELD", "ERROR", "FAILED", "FAILURE":
		return "bad"
	}
	return "muted"
}

// age is a short "how long ago".
func age(d time.Duration) string {
	switch {
	case d < 0:
		d = 0
		fallthrough
	case d < time.Minute:
		return fmt.Sprintf("%d s ago", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%d min ago", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%d h ago", int(d.Hours()))
	}
	return fmt.Sprintf("%d days ago", int(d.Hours()/24))
}

// seconds formats a duration as "1.2 s".
func seconds(d time.Duration) string {
	if d < 0 {
		d = 0
	}
	return fmt.Sprintf("%.1f s", d.Seconds())
}

// clock is a UTC time of day, with the date when it is not today's.
func clock(t, now time.Time) string {
	t, now = t.UTC(), now.UTC()
	if t.YearDay() == now.YearDay() && t.Year() == now.Year() {
		return t.Format("15:04:05") + " UTC"
	}
	return t.Format("2006-01-02 15:04:05") + " UTC"
}

// shellWord quotes s for a shell command line when it needs it.
func shellWord(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.:/@") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
