package fencing

import (
	"context"
	"errors"
	"time"
)

// PowerState is a host's power as a fence device reads it.
type PowerState int

// The power states a device can report.
const (
	// PowerUnknown means the state could not be read.
	PowerUnknown PowerState = iota
	// PowerOn means the device reads the host as powered on.
	PowerOn
	// PowerOff means the device reads the host as powered off.
	PowerOff
)

// String returns "unknown", "on" or "off".
func (s PowerState) String() string {
	switch s {
	case PowerOn:
		return "on"
	case PowerOff:
		return "off"
	default:
		return "unknown"
	}
}

// Actions recorded in a Reading.
const (
	// ActionOff is a power-off command.
	ActionOff = "off"
	// ActionStatus is a power status read.
	ActionStatus = "status"
	// ActionOn is a power-on command.
	ActionOn = "on"
	// ActionManual is a manual level reached: an operator must confirm.
	ActionManual = "manual"
)

// Reading is one exchange with a fence device, kept as evidence.
type Reading struct {
	// Time is when the exchange finished.
	Time time.Time `json:"time"`
	// Device is the device's Name.
	Device string `json:"device"`
	// Level is the topology level the device belongs to (Level.Number, or
	// its 1-based position); 0 when the device was used outside a topology.
	Level int `json:"level"`
	// Action is one of ActionOff, ActionStatus, ActionOn, ActionManual.
	Action string `json:"action"`
	// State is the power state read back (PowerUnknown after a command
	// that reads nothing back, or on error).
	State PowerState `json:"state"`
	// Err is the error of a failed exchange, empty on success. It never
	// contains a password.
	Err string `json:"err,omitempty"`
}

// Result is the outcome of fencing a host.
type Result struct {
	// Verified is true only when power off was read back after an off
	// command (an "already off" reading counts) by every device of Level.
	Verified bool `json:"verified"`
	// Level is the topology level (Level.Number, or its 1-based position)
	// that fenced the host, or the manual level reached; 0 when none did.
	Level int `json:"level"`
	// Manual is true when fencing stopped at a manual level and waits for
	// an operator's confirmation.
	Manual bool `json:"manual"`
	// Readings is every exchange of this attempt, in order, including
	// failed ones.
	Readings []Reading `json:"readings"`
	// Duration is how long fencing took.
	Duration time.Duration `json:"duration"`
}

// Device switches and reads one host's power. Implementations are safe for
// concurrent use.
type Device interface {
	// Name identifies the device in readings and logs (never contains a
	// password).
	Name() string
	// PowerOff switches the host off and returns nil only after the device
	// read back power off (already off counts). It never uses power cycle
	// or reset. The readings are returned on failure too.
	PowerOff(ctx context.Context) ([]Reading, error)
	// PowerStatus reads the host's power.
	PowerStatus(ctx context.Context) (PowerState, []Reading, error)
	// PowerOn switches the host on.
	PowerOn(ctx context.Context) ([]Reading, error)
}

// Sentinel errors. Device and topology errors wrap one of them; test with
// errors.Is.
var (
	// ErrUnreachable means the device did not answer or refused the
	// connection: the caller may retry or fall back a level.
	ErrUnreachable = errors.New("fence device unreachable")
	// ErrAuth means the device rejected the credentials: retrying will not
	// help until an operator fixes them.
	ErrAuth = errors.New("fence device rejected the credentials")
	// ErrTimeout means the device, or the caller's deadline, did not allow
	// the action to complete in time (for power off: off was never read
	// back).
	ErrTimeout = errors.New("fence action timed out")
	// ErrRefused means the device answered but would not do the action
	// (an IPMI completion code, a fence agent's failure exit).
	ErrRefused = errors.New("fence device refused the action")
	// ErrManualConfirmationRequired means fencing reached a manual level:
	// the host must be confirmed off by an operator through the API.
	ErrManualConfirmationRequired = errors.New("manual fence confirmation required")
)
