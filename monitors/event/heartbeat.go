package event

import (
	"bytes"
	"encoding/json"
	"regexp"
	"time"
)

// HeartbeatVersion is the heartbeat schema version this package writes and
// reads.
const HeartbeatVersion = 1

// HeartbeatType is the AMQP message type of a heartbeat.
const HeartbeatType = "heartbeat"

// MaxHeartbeatSize is the largest encoded heartbeat DecodeHeartbeat accepts.
const MaxHeartbeatSize = 4 << 10

// maxHeartbeatNetworks bounds the networks one heartbeat may list.
const maxHeartbeatNetworks = 16

var networkRe = regexp.MustCompile(`^[a-zA-Z0-9._-]{1,64}$`)

// Heartbeat is the small message a host monitor sends periodically so the
// engine can tell "all quiet" from "I hear nobody" (DESIGN.md invariant 4).
// Heartbeats are ephemeral: they are never spooled.
//
//	{"version":1,"observer":"compute-2","monitor":"hostmonitor",
//	 "sent_at":"2026-11-22T06:00:01.5Z","peers_alive":{"mgmt":39,"storage":39}}
type Heartbeat struct {
	Version  int       `json:"version"`
	Observer string    `json:"observer"`
	Monitor  string    `json:"monitor"`
	SentAt   time.Time `json:"sent_at"`
	// PeersAlive is how many peers the observer sees alive, per network.
	PeersAlive map[string]int `json:"peers_alive"`
}

// DecodeHeartbeat parses and validates one heartbeat; like Decode it
// rejects unknown fields, trailing data and other schema versions.
func DecodeHeartbeat(data []byte) (*Heartbeat, error) {
	if len(data) > MaxHeartbeatSize {
		return nil, invalid("heartbeat", "is %d bytes, larger than %d", len(data), MaxHeartbeatSize)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var h Heartbeat
	if err := dec.Decode(&h); err != nil {
		return nil, invalid("heartbeat", "not valid JSON for the heartbeat schema: %v", err)
	}
	if dec.More() {
		return nil, invalid("heartbeat", "trailing data after the JSON object")
	}
	if err := h.Validate(); err != nil {
		return nil, err
	}
	return &h, nil
}

// Encode validates h and returns its JSON.
func (h *Heartbeat) Encode() ([]byte, error) {
	if err := h.Validate(); err != nil {
		return nil, err
	}
	return json.Marshal(h)
}

// Validate checks every field of the heartbeat.
func (h *Heartbeat) Validate() error {
	if h.Version != HeartbeatVersion {
		return invalid("version", "is %d; this build understands heartbeat version %d", h.Version, HeartbeatVersion)
	}
	if !hostnameRe.MatchString(h.Observer) {
		return invalid("observer", "%q must be 1-255 characters of [a-zA-Z0-9._-]", h.Observer)
	}
	switch h.Monitor {
	case MonitorHost, MonitorProcess, MonitorInstance:
	default:
		return invalid("monitor", "%q is not one of hostmonitor, processmonitor, instancemonitor", h.Monitor)
	}
	if h.SentAt.IsZero() {
		return invalid("sent_at", "is required")
	}
	if len(h.PeersAlive) > maxHeartbeatNetworks {
		return invalid("peers_alive", "lists %d networks, more than %d", len(h.PeersAlive), maxHeartbeatNetworks)
	}
	for n, c := range h.PeersAlive {
		if !networkRe.MatchString(n) {
			return invalid("peers_alive", "network %q must be 1-64 characters of [a-zA-Z0-9._-]", n)
		}
		if c < 0 || c > 1_000_000 {
			return invalid("peers_alive."+n, "%d is out of range", c)
		}
	}
	return nil
}
