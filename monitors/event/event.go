// Package event is the wire schema of the events Lazarus monitors publish
// and the engine consumes. It uses the standard library only, so any
// program can import it.
//
// An Event is Masakari's notification body (type, hostname, generated_time,
// payload) inside an envelope: a schema version, an idempotency id that
// makes a redelivered or re-sent event harmless, who observed it, and the
// evidence behind it.
//
//	{"version":1,"id":"6f1c…","observer":"compute-2","monitor":"hostmonitor",
//	 "sent_at":"2026-11-22T06:00:01.5Z",
//	 "evidence":{"networks_lost":["mgmt","storage"]},
//	 "notification":{"type":"COMPUTE_HOST","hostname":"compute-1",
//	   "generated_time":"2026-11-22T06:00:01Z",
//	   "payload":{"event":"STOPPED","host_status":"NORMAL","cluster_status":"OFFLINE"}}}
package event

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"time"
)

// Version is the schema version this package writes and reads.
const Version = 1

// Notification types, as Masakari names them.
const (
	TypeComputeHost = "COMPUTE_HOST"
	TypeVM          = "VM"
	TypeProcess     = "PROCESS"
)

// Monitors that publish events.
const (
	MonitorHost     = "hostmonitor"
	MonitorProcess  = "processmonitor"
	MonitorInstance = "instancemonitor"
)

// Payload values Masakari's schemas allow.
const (
	EventStarted        = "STARTED"
	EventStopped        = "STOPPED"
	HostStatusNormal    = "NORMAL"
	HostStatusUnknown   = "UNKNOWN"
	ClusterStatusOnline = "ONLINE"
	ClusterStatusOff    = "OFFLINE"
)

// Event is one message on the wire.
type Event struct {
	Version      int          `json:"version"`
	ID           string       `json:"id"`
	Observer     string       `json:"observer"`
	Monitor      string       `json:"monitor"`
	SentAt       time.Time    `json:"sent_at"`
	Evidence     *Evidence    `json:"evidence,omitempty"`
	Notification Notification `json:"notification"`
}

// Notification is Masakari's POST /v1/notifications body.
type Notification struct {
	Type          string            `json:"type"`
	Hostname      string            `json:"hostname"`
	GeneratedTime time.Time         `json:"generated_time"`
	Payload       map[string]string `json:"payload"`
}

// Evidence is what the observer saw, kept with the recovery as its reason.
type Evidence struct {
	// NetworksLost names the networks on which the host was declared dead.
	NetworksLost []string `json:"networks_lost,omitempty"`
	// NetworksAlive names the networks on which the host still answered.
	NetworksAlive []string `json:"networks_alive,omitempty"`
	// Isolated is set when the observer reports itself isolated.
	Isolated bool `json:"isolated,omitempty"`
	// PeersDown names the observer's other peers that were dead on every
	// network when it made this report, reported or not yet (each waits
	// out its own settle time): several hosts failing at once show up in
	// the first report, so the engine's storm brake sees the storm before
	// it fences the first host.
	PeersDown []string `json:"peers_down,omitempty"`
	// Detail is free text for the journal.
	Detail string `json:"detail,omitempty"`
}

// MaxSize is the largest encoded event Decode accepts.
const MaxSize = 64 << 10

var (
	hostnameRe   = regexp.MustCompile(`^[a-zA-Z0-9._-]{1,255}$`)
	payloadKeyRe = regexp.MustCompile(`^[a-zA-Z0-9\-_:. ]{1,255}$`)
	idRe         = regexp.MustCompile(`^[a-zA-Z0-9._:-]{1,128}$`)
)

// ValidationError says which field of an event is wrong and why.
type ValidationError struct {
	Field  string
	Reason string
}

func (e *ValidationError) Error() string { return e.Field + ": " + e.Reason }

func invalid(field, format string, args ...any) error {
	return &ValidationError{Field: field, Reason: fmt.Sprintf(format, args...)}
}

// Decode parses and validates one event. Unknown fields are rejected so that
// a typo never passes silently; a newer schema version is rejected with a
// clear error rather than half-understood.
func Decode(data []byte) (*Event, error) {
	if len(data) > MaxSize {
		return nil, invalid("event", "is %d bytes, larger than %d", len(data), MaxSize)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var e Event
	if err := dec.Decode(&e); err != nil {
		return nil, invalid("event", "not valid JSON for the event schema: %v", err)
	}
	if dec.More() {
		return nil, invalid("event", "trailing data after the JSON object")
	}
	if err := e.Validate(); err != nil {
		return nil, err
	}
	return &e, nil
}

// Encode validates e and returns its JSON.
func (e *Event) Encode() ([]byte, error) {
	if err := e.Validate(); err != nil {
		return nil, err
	}
	return json.Marshal(e)
}

// Validate checks the envelope and applies Masakari's notification schema,
// so an event that passes here is one lazarus-api would accept too.
func (e *Event) Validate() error {
	if e.Version != Version {
		return invalid("version", "is %d; this build understands version %d", e.Version, Version)
	}
	if !idRe.MatchString(e.ID) {
		return invalid("id", "must be 1-128 characters of [a-zA-Z0-9._:-]")
	}
	if e.Observer != "" && !hostnameRe.MatchString(e.Observer) {
		return invalid("observer", "must be a host name")
	}
	switch e.Monitor {
	case MonitorHost, MonitorProcess, MonitorInstance:
	default:
		return invalid("monitor", "%q is not one of hostmonitor, processmonitor, instancemonitor", e.Monitor)
	}
	return e.Notification.Validate()
}

// Validate applies Masakari's schema for POST /v1/notifications.
func (n *Notification) Validate() error {
	if !hostnameRe.MatchString(n.Hostname) {
		return invalid("notification.hostname", "%q must be 1-255 characters of [a-zA-Z0-9._-]", n.Hostname)
	}
	if n.GeneratedTime.IsZero() {
		return invalid("notification.generated_time", "is required")
	}
	if n.Payload == nil {
		return invalid("notification.payload", "is required")
	}
	for k, v := range n.Payload {
		if !payloadKeyRe.MatchString(k) {
			return invalid("notification.payload", "key %q is not allowed", k)
		}
		if len(v) > 255 {
			return invalid("notification.payload."+k, "is longer than 255 characters")
		}
	}
	allowed := func(keys ...string) error {
		for k := range n.Payload {
			ok := false
			for _, a := range keys {
				ok = ok || k == a
			}
			if !ok {
				return invalid("notification.payload", "key %q is not allowed for type %s", k, n.Type)
			}
		}
		return nil
	}
	oneOf := func(key string, required bool, values ...string) error {
		v, ok := n.Payload[key]
		if !ok {
			if required {
				return invalid("notification.payload."+key, "is required for type %s", n.Type)
			}
			return nil
		}
		for _, a := range values {
			if v == a {
				return nil
			}
		}
		return invalid("notification.payload."+key, "%q is not one of %v", v, values)
	}
	switch n.Type {
	case TypeComputeHost:
		return errors.Join(allowed("event", "host_status", "cluster_status"),
			oneOf("event", true, EventStarted, EventStopped),
			oneOf("host_status", false, HostStatusNormal, HostStatusUnknown),
			oneOf("cluster_status", false, ClusterStatusOnline, ClusterStatusOff))
	case TypeProcess:
		if err := allowed("process_name", "event"); err != nil {
			return err
		}
		if n.Payload["process_name"] == "" {
			return invalid("notification.payload.process_name", "is required for type PROCESS")
		}
		return oneOf("event", true, EventStarted, EventStopped)
	case TypeVM:
		if err := allowed("instance_uuid", "vir_domain_event", "event"); err != nil {
			return err
		}
		for _, k := range []string{"instance_uuid", "vir_domain_event", "event"} {
			if n.Payload[k] == "" {
				return invalid("notification.payload."+k, "is required for type VM")
			}
		}
		if !uuidRe.MatchString(n.Payload["instance_uuid"]) {
			return invalid("notification.payload.instance_uuid", "%q is not a UUID", n.Payload["instance_uuid"])
		}
		return nil
	default:
		return invalid("notification.type", "%q is not one of COMPUTE_HOST, VM, PROCESS", n.Type)
	}
}

var uuidRe = regexp.MustCompile(`^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$`)
