package instance

import (
	"fmt"
	"regexp"
	"strings"
)

// LineKind tells what a line of `virsh event` output is.
type LineKind int

// Line kinds.
const (
	// KindEvent is an "event '<type>' for domain '<name>'…" line.
	KindEvent LineKind = iota
	// KindOther is a line virsh prints that carries no domain event: the
	// continuation lines of multi-line events, the loop's closing
	// messages, blank lines.
	KindOther
)

// Line is one parsed line.
type Line struct {
	Kind   LineKind
	Type   string // event type as virsh names it: lifecycle, io-error, …
	Domain string // domain name
	Detail string // text after "': ", if any
}

var (
	timestampRe = regexp.MustCompile(`^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{3}[+-]\d{4}: `)
	eventRe     = regexp.MustCompile(`^event '([a-z0-9-]+)' for domain '(.+?)'(?:: (.*))?$`)
	otherRe     = regexp.MustCompile(`^(|event loop interrupted|event loop timed out|events received: \d+|\t.*|(alias|size|oldMAC|newMAC): .*)$`)
	ioErrorRe   = regexp.MustCompile(`^(.*) \((.*)\) (none|pause|report|unknown)(?: due to (.*))?$`)
)

// ParseLine parses one line of `virsh event --all --loop` output (with or
// without --timestamp). A line of no known shape is an error.
func ParseLine(line string) (Line, error) {
	line = strings.TrimRight(line, "\r\n")
	if otherRe.MatchString(line) {
		return Line{Kind: KindOther}, nil
	}
	line = timestampRe.ReplaceAllString(line, "")
	m := eventRe.FindStringSubmatch(line)
	if m == nil {
		return Line{}, fmt.Errorf("not a virsh event line: %q", truncate(line, 200))
	}
	return Line{Kind: KindEvent, Type: m[1], Domain: m[2], Detail: m[3]}, nil
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}

// Notification is the VM payload Masakari's instancemonitor sends.
type Notification struct {
	Event          string // LIFECYCLE, REBOOT, WATCHDOG, IO_ERROR, IO_ERROR_REASON, CONTROL_ERROR
	VirDomainEvent string // STOPPED_FAILED, WATCHDOG_PAUSE, IO_ERROR_REPORT, UNKNOWN, …
}

// lifecycleFilter is Masakari's eventfilter_table for LIFECYCLE, keyed by
// virsh's "<Event> <Detail>" text.
var lifecycleFilter = map[string]string{
	"Suspended I/O Error": "SUSPENDED_IOERROR",
	"Suspended Watchdog":  "SUSPENDED_WATCHDOG",
	"Suspended API error": "SUSPENDED_API_ERROR",
	"Stopped Shutdown":    "STOPPED_SHUTDOWN",
	"Stopped Destroyed":   "STOPPED_DESTROYED",
	"Stopped Failed":      "STOPPED_FAILED",
	"Shutdown Finished":   "SHUTDOWN_FINISHED",
}

var lifecycleEvents = []string{"Defined", "Undefined", "Started", "Suspended", "Resumed", "Stopped",
	"Shutdown", "PMSuspended", "Crashed", "unknown"}

var watchdogFilter = map[string]string{
	"none": "WATCHDOG_NONE", "pause": "WATCHDOG_PAUSE", "reset": "WATCHDOG_RESET",
	"poweroff": "WATCHDOG_POWEROFF", "shutdown": "WATCHDOG_SHUTDOWN", "debug": "WATCHDOG_DEBUG",
}

var watchdogActions = []string{"none", "pause", "reset", "poweroff", "shutdown", "debug", "inject-nmi", "unknown"}

// Map applies Masakari's event filter. forward is false for events
// Masakari does not send; err is set when a known event type has a detail
// of the wrong shape.
func Map(l Line) (n Notification, forward bool, err error) {
	if l.Kind != KindEvent {
		return Notification{}, false, nil
	}
	switch l.Type {
	case "lifecycle":
		ev, _, _ := strings.Cut(l.Detail, " ")
		if !contains(lifecycleEvents, ev) {
			return Notification{}, false, fmt.Errorf("lifecycle event with unknown detail %q", l.Detail)
		}
		if v, ok := lifecycleFilter[l.Detail]; ok {
			return Notification{"LIFECYCLE", v}, true, nil
		}
		return Notification{}, false, nil
	case "reboot":
		if l.Detail != "" {
			return Notification{}, false, fmt.Errorf("reboot event with unexpected detail %q", l.Detail)
		}
		return Notification{"REBOOT", "UNKNOWN"}, true, nil
	case "control-error":
		if l.Detail != "" {
			return Notification{}, false, fmt.Errorf("control-error event with unexpected detail %q", l.Detail)
		}
		return Notification{"CONTROL_ERROR", "UNKNOWN"}, true, nil
	case "watchdog":
		if !contains(watchdogActions, l.Detail) {
			return Notification{}, false, fmt.Errorf("watchdog event with unknown action %q", l.Detail)
		}
		if v, ok := watchdogFilter[l.Detail]; ok {
			return Notification{"WATCHDOG", v}, true, nil
		}
		return Notification{}, false, nil
	case "io-error":
		// virsh prints both the io-error and the io-error-reason callbacks
		// as 'io-error'; the latter ends in " due to <reason>".
		m := ioErrorRe.FindStringSubmatch(l.Detail)
		if m == nil {
			return Notification{}, false, fmt.Errorf("io-error event with unexpected detail %q", l.Detail)
		}
		if strings.Contains(l.Detail, " due to ") && m[4] != "" {
			return Notification{"IO_ERROR_REASON", "UNKNOWN"}, true, nil
		}
		if m[3] == "unknown" {
			return Notification{}, false, nil
		}
		return Notification{"IO_ERROR", "IO_ERROR_" + strings.ToUpper(m[3])}, true, nil
	}
	return Notification{}, false, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
