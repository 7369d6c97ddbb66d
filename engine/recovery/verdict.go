package recovery

import (
	"fmt"
	"strings"
	"time"
)

// Action is what the verdict step decides for a reported host failure.
type Action int

// Verdict actions.
const (
	// ActionProceed: the host looks dead; fence it and recover.
	ActionProceed Action = iota
	// ActionIgnore: the host is alive (or the report untrustworthy); do
	// nothing, the notification ends ignored.
	ActionIgnore
	// ActionWait: the evidence conflicts for now (Nova has not yet noticed
	// the missing heartbeat); look again shortly.
	ActionWait
	// ActionProcessFlow: the host is alive but nova-compute is dead; run the
	// process flow (disable the compute service), never evacuate.
	ActionProcessFlow
	// ActionNothing: nothing to recover (a STARTED event); finished.
	ActionNothing
)

// String names the action for the journal.
func (a Action) String() string {
	return [...]string{"proceed", "ignore", "wait", "process_flow", "nothing"}[a]
}

// Evidence is everything the verdict weighs.
type Evidence struct {
	// Event is the notification payload's event (STARTED/STOPPED).
	Event string
	// HostStatus is the payload's host_status (NORMAL/UNKNOWN), kept for
	// the record: Lazarus reads the power itself.
	HostStatus string
	// Observers is how many monitor reports merged into this failure;
	// Isolated how many of them said their own node is isolated.
	Observers, Isolated int
	// AliveLinks are networks on which some observer still reached the host.
	AliveLinks []string
	// NovaUp is whether Nova reports the host's nova-compute up (heartbeat
	// within service_down_time, not forced down).
	NovaUp bool
	// Power is the BMC's reading (PowerUnknown when unreadable).
	Power PowerState
	// Waited is how long this failure has been watched; VerdictTimeout
	// how long a conflicting "alive" reading may be waited out.
	Waited, VerdictTimeout time.Duration
}

// Verdict is the decision and its reason (journaled and shown).
type Verdict struct {
	Action Action
	Reason string
}

// Decide is the verdict step: a host alive on any channel is not
// evacuated (DESIGN.md invariant 5); a host with its BMC reading power on
// and a live nova-compute heartbeat is watched until Nova sees it down, and
// judged alive after VerdictTimeout.
func Decide(ev Evidence) Verdict {
	switch {
	case ev.Event == "STARTED":
		return Verdict{ActionNothing, "host reported started: nothing to recover"}
	case ev.Observers > 0 && ev.Isolated == ev.Observers:
		return Verdict{ActionIgnore, fmt.Sprintf("all %d observers reported themselves isolated: their network failed, not necessarily the host", ev.Observers)}
	case len(ev.AliveLinks) > 0 && !ev.NovaUp:
		return Verdict{ActionProcessFlow, fmt.Sprintf("host still answers on %s but nova-compute is down: process failure, not host failure", strings.Join(ev.AliveLinks, ","))}
	case len(ev.AliveLinks) > 0:
		return Verdict{ActionIgnore, fmt.Sprintf("host still answers on %s and nova-compute is up: isolation is not failure", strings.Join(ev.AliveLinks, ","))}
	case ev.Power == PowerOff:
		return Verdict{ActionProceed, "BMC reads power off" + reportedBy(ev)}
	case !ev.NovaUp:
		return Verdict{ActionProceed, fmt.Sprintf("nova-compute heartbeat lost, BMC reads power %s%s", ev.Power, reportedBy(ev))}
	case ev.Waited < ev.VerdictTimeout:
		return Verdict{ActionWait, fmt.Sprintf("nova-compute still up and BMC reads power %s: waiting for Nova to see the host down", ev.Power)}
	default:
		return Verdict{ActionIgnore, fmt.Sprintf("host alive: nova-compute stayed up for %s after the report (BMC reads power %s)", ev.VerdictTimeout, ev.Power)}
	}
}

// reportedBy says who accused the host, for the verdict's reason.
func reportedBy(ev Evidence) string {
	switch n := ev.Observers - ev.Isolated; {
	case n <= 0:
		return ""
	case n == 1:
		return "; 1 monitor reports it dead on every network"
	default:
		return fmt.Sprintf("; %d monitors report it dead on every network", n)
	}
}
