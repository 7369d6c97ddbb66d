package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// Step phases of the journal: an intent is written before a side effect, a
// result after it; progress rows only report.
const (
	StepPhaseIntent   = "intent"
	StepPhaseResult   = "result"
	StepPhaseProgress = "progress"
)

// Step states, in TaskFlow's words so the API can show them as Masakari
// does.
const (
	StepStateRunning = "RUNNING"
	StepStateSuccess = "SUCCESS"
	StepStateFailure = "FAILURE"
	StepStateHeld    = "HELD"
	StepStateSkipped = "SKIPPED"
)

// StepEntry is one row of a recovery's journal.
type StepEntry struct {
	Name     string
	Item     string
	Phase    string
	State    string
	Progress float64
	Message  string
	// Detail is any JSON-encodable value (a target host, a reading).
	Detail any
	// Read back only:
	DetailJSON []byte
	Epoch      int64
	Owner      string
	CreatedAt  time.Time
}

// StepAppendTx writes journal rows inside a RecoveryTx transaction, stamped
// with the lease's owner and epoch.
func StepAppendTx(ctx context.Context, tx pgx.Tx, l Lease, entries ...StepEntry) error {
	for _, e := range entries {
		var detail []byte
		if e.Detail != nil {
			b, err := json.Marshal(e.Detail)
			if err != nil {
				return fmt.Errorf("encode detail of step %s: %w", e.Name, err)
			}
			detail = b
		}
		if _, err := tx.Exec(ctx, `
			INSERT INTO recovery_steps (recovery_uuid, name, item, phase, state, progress, message, detail, owner, epoch)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
			l.RecoveryUUID, e.Name, e.Item, e.Phase, e.State, e.Progress, e.Message, detail, l.Owner, l.Epoch); err != nil {
			return fmt.Errorf("journal step %s: %w", e.Name, err)
		}
	}
	return nil
}

// StepAppend writes journal rows in their own lease-checked transaction.
func (s *Store) StepAppend(ctx context.Context, l Lease, entries ...StepEntry) error {
	return s.RecoveryTx(ctx, l, func(tx pgx.Tx) error { return StepAppendTx(ctx, tx, l, entries...) })
}

// RecoverySteps reads a recovery's whole journal in order.
func (s *Store) RecoverySteps(ctx context.Context, recoveryUUID string) ([]StepEntry, error) {
	rows, err := s.pool.Query(ctx, `
		SELECT name, item, phase, state, progress, message, detail, owner, epoch, created_at
		FROM recovery_steps WHERE recovery_uuid = $1 ORDER BY id`, recoveryUUID)
	if err != nil {
		return nil, fmt.Errorf("read journal of recovery %s: %w", recoveryUUID, err)
	}
	defer rows.Close()
	var out []StepEntry
	for rows.Next() {
		var e StepEntry
		if err := rows.Scan(&e.Name, &e.Item, &e.Phase, &e.State, &e.Progress, &e.Message, &e.DetailJSON, &e.Owner, &e.Epoch, &e.CreatedAt); err != nil {
			return nil, fmt.Errorf("scan journal row: %w", err)
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// WorkflowDetail is one step of a notification's recovery as
// GET /v1/notifications/{id} shows it at microversion 1.1
// (recovery_workflow_details, Masakari's shape).
type WorkflowDetail struct {
	Name            string
	State           string
	Progress        float64
	ProgressDetails []WorkflowProgress
}

// WorkflowProgress is one progress message of a step.
type WorkflowProgress struct {
	Timestamp time.Time
	Message   string
	Progress  float64
}

// RecoveryWorkflowDetails builds the recovery_workflow_details of a
// notification from its recovery's journal: one entry per step name in the
// order the steps first ran, its state that of its latest row, and every
// row with a message as a progress detail. A notification without a
// recovery (ignored at intake, or not yet picked up) has no details: an
// empty list, not an error.
func (s *Store) RecoveryWorkflowDetails(ctx context.Context, notificationUUID string) ([]WorkflowDetail, error) {
	rows, err := s.pool.Query(ctx, `
		SELECT st.name, st.item, st.phase, st.state, st.progress, st.message, st.created_at
		FROM recovery_steps st
		JOIN recoveries r ON r.uuid = st.recovery_uuid
		WHERE r.notification_uuid = $1
		ORDER BY st.id`, notificationUUID)
	if err != nil {
		return nil, fmt.Errorf("read workflow details of notification %s: %w", notificationUUID, err)
	}
	defer rows.Close()
	var out []WorkflowDetail
	index := map[string]int{}
	// itemState remembers each item's latest state so a step with many
	// items (one per instance) fails if any item's latest result failed.
	itemState := map[string]map[string]string{}
	for rows.Next() {
		var name, item, phase, state, msg string
		var progress float64
		var at time.Time
		if err := rows.Scan(&name, &item, &phase, &state, &progress, &msg, &at); err != nil {
			return nil, fmt.Errorf("scan journal row: %w", err)
		}
		i, ok := index[name]
		if !ok {
			i = len(out)
			index[name] = i
			out = append(out, WorkflowDetail{Name: name, ProgressDetails: []WorkflowProgress{}})
			itemState[name] = map[string]string{}
		}
		d := &out[i]
		if item == "" {
			d.State = state
			d.Progress = progress
		} else {
			itemState[name][item] = state
		}
		if msg != "" {
			d.ProgressDetails = append(d.ProgressDetails, WorkflowProgress{Timestamp: at.UTC(), Message: msg, Progress: progress})
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read workflow details: %w", err)
	}
	for i := range out {
		d := &out[i]
		items := itemState[d.Name]
		if len(items) == 0 {
			continue
		}
		// A step with items (one per instance) and no step-level row yet
		// is running until every item has a result.
		if d.State == "" {
			d.State = StepStateSuccess
			done := 0
			for _, st := range items {
				switch st {
				case StepStateSuccess, StepStateSkipped, StepStateFailure:
					done++
				default:
					d.State = StepStateRunning
				}
			}
			d.Progress = float64(done) / float64(len(items))
		}
		for _, st := range items {
			if st == StepStateFailure && d.State == StepStateSuccess {
				d.State = StepStateFailure
			}
		}
	}
	return out, nil
}

// Observer is one report of a failure: which monitor on which host saw it.
type Observer struct {
	NotificationUUID string
	EventID          string
	Observer         string
	Monitor          string
	Payload          map[string]string
	// Evidence is the event's evidence as JSON (may be nil).
	Evidence   json.RawMessage
	ReceivedAt time.Time
}

// NotificationObserverAdd records a report against a notification. The
// same event recorded twice is kept once.
func (s *Store) NotificationObserverAdd(ctx context.Context, o *Observer) error {
	payload, err := json.Marshal(o.Payload)
	if err != nil {
		return fmt.Errorf("encode observer payload: %w", err)
	}
	var evidence []byte
	if len(o.Evidence) > 0 {
		evidence = o.Evidence
	}
	_, err = s.pool.Exec(ctx, `
		INSERT INTO notification_observers (notification_uuid, event_id, observer, monitor, payload, evidence)
		VALUES ($1, $2, $3, $4, $5, $6)
		ON CONFLICT (notification_uuid, event_id) DO NOTHING`,
		o.NotificationUUID, o.EventID, o.Observer, o.Monitor, payload, evidence)
	if err != nil {
		return fmt.Errorf("record observer %s of notification %s: %w", o.Observer, o.NotificationUUID, err)
	}
	return nil
}

// NotificationObservers lists the reports recorded against a notification.
func (s *Store) NotificationObservers(ctx context.Context, notificationUUID string) ([]Observer, error) {
	rows, err := s.pool.Query(ctx, `
		SELECT event_id, observer, monitor, payload, evidence, received_at
		FROM notification_observers WHERE notification_uuid = $1 ORDER BY id`, notificationUUID)
	if err != nil {
		return nil, fmt.Errorf("list observers of notification %s: %w", notificationUUID, err)
	}
	defer rows.Close()
	var out []Observer
	for rows.Next() {
		o := Observer{NotificationUUID: notificationUUID}
		var payload, evidence []byte
		if err := rows.Scan(&o.EventID, &o.Observer, &o.Monitor, &payload, &evidence, &o.ReceivedAt); err != nil {
			return nil, fmt.Errorf("scan observer: %w", err)
		}
		if len(payload) > 0 && string(payload) != "null" {
			if err := json.Unmarshal(payload, &o.Payload); err != nil {
				return nil, fmt.Errorf("decode observer payload: %w", err)
			}
		}
		o.Evidence = evidence
		out = append(out, o)
	}
	return out, rows.Err()
}

// VMove is one instance of a host recovery (Masakari's vmoves row).
type VMove struct {
	UUID         string
	InstanceUUID string
	InstanceName string
	SourceHost   string
	DestHost     string
	Status       string
	Message      string
	StartTime    time.Time
	EndTime      time.Time
}

// VMoveInsertPendingTx inserts one pending vmoves row per instance (an
// instance already recorded for this notification is left as it is).
func VMoveInsertPendingTx(ctx context.Context, tx pgx.Tx, notificationUUID string, moves []VMove) error {
	for _, m := range moves {
		if _, err := tx.Exec(ctx, `
			INSERT INTO vmoves (uuid, notification_uuid, instance_uuid, instance_name, source_host, status)
			VALUES (gen_random_uuid(), $1, $2, $3, $4, 'pending')
			ON CONFLICT (notification_uuid, instance_uuid) DO NOTHING`,
			notificationUUID, m.InstanceUUID, m.InstanceName, m.SourceHost); err != nil {
			return fmt.Errorf("insert vmove of instance %s: %w", m.InstanceUUID, err)
		}
	}
	return nil
}

// VMoveUpdateTx sets an instance's move status, destination and message;
// ongoing stamps start_time, a final status stamps end_time.
func VMoveUpdateTx(ctx context.Context, tx pgx.Tx, notificationUUID, instanceUUID, status, dest, message string) error {
	_, err := tx.Exec(ctx, `
		UPDATE vmoves SET status = $3,
			dest_host = COALESCE(NULLIF($4, ''), dest_host),
			message = NULLIF($5, ''),
			start_time = CASE WHEN $3 = 'ongoing' THEN COALESCE(start_time, now()) ELSE start_time END,
			end_time = CASE WHEN $3 IN ('succeeded', 'failed', 'ignored') THEN now() ELSE end_time END,
			updated_at = now()
		WHERE notification_uuid = $1 AND instance_uuid = $2`,
		notificationUUID, instanceUUID, status, dest, message)
	if err != nil {
		return fmt.Errorf("update vmove of instance %s: %w", instanceUUID, err)
	}
	return nil
}

// VMovesByNotification lists a notification's vmoves in insertion order.
func (s *Store) VMovesByNotification(ctx context.Context, notificationUUID string) ([]VMove, error) {
	rows, err := s.pool.Query(ctx, `
		SELECT uuid::text, instance_uuid::text, instance_name, source_host, COALESCE(dest_host, ''),
		       status, COALESCE(message, ''), COALESCE(start_time, 'epoch'), COALESCE(end_time, 'epoch')
		FROM vmoves WHERE notification_uuid = $1 AND NOT deleted ORDER BY id`, notificationUUID)
	if err != nil {
		return nil, fmt.Errorf("list vmoves of notification %s: %w", notificationUUID, err)
	}
	defer rows.Close()
	var out []VMove
	for rows.Next() {
		var m VMove
		if err := rows.Scan(&m.UUID, &m.InstanceUUID, &m.InstanceName, &m.SourceHost, &m.DestHost,
			&m.Status, &m.Message, &m.StartTime, &m.EndTime); err != nil {
			return nil, fmt.Errorf("scan vmove: %w", err)
		}
		out = append(out, m)
	}
	return out, rows.Err()
}
