// Package instance is lazarus-instancemonitor: it turns libvirt domain
// events into VM notifications, exactly as masakari-instancemonitor's event
// filter does.
//
// # Overview
//
// libvirt's Go bindings need cgo and are not on the module proxy, so the
// monitor supervises `virsh -r -c URI event --all --loop` (read-only, as
// masakari-instancemonitor's connection) and parses its
// output with a strict parser (ParseLine): every line must be one of the
// shapes virsh prints (tools/virsh-domain-event.c), anything else is
// counted and logged as a parse error rather than guessed at. Events are
// mapped (Map) to Masakari's (event, vir_domain_event) pairs:
//
//	lifecycle   Suspended I/O Error, Suspended Watchdog, Suspended API error,
//	            Stopped Shutdown, Stopped Destroyed, Stopped Failed,
//	            Shutdown Finished            → LIFECYCLE / SUSPENDED_IOERROR …
//	reboot                                   → REBOOT / UNKNOWN
//	watchdog    none pause reset poweroff shutdown debug → WATCHDOG / WATCHDOG_…
//	io-error    none pause report            → IO_ERROR / IO_ERROR_…
//	io-error … due to <reason>               → IO_ERROR_REASON / UNKNOWN
//	control-error                            → CONTROL_ERROR / UNKNOWN
//
// Everything else (rtc-change, graphics, disk-change, …) is dropped, as
// Masakari drops it. virsh names the domain; its UUID (the Nova instance
// UUID) comes from `virsh domuuid`, cached per name.
//
// # State model
//
//	start virsh event ──► streaming ──stderr "Disconnected from"──┐
//	      ▲                   │ exited / watchdog: probe failed    │
//	      │                   ▼ then recovered, or probe hung       ▼
//	      └──── wait ReconnectInterval ◄──────────── kill the stream
//
// # Failure handling
//
// When libvirtd goes away virsh prints "Disconnected from … due to end of
// file" on stderr; virsh 9.0 then exits, other versions may keep waiting
// on the dead connection. The monitor watches stderr for that line, kills
// virsh, reads what it had already printed to the end (so no event virsh
// saw is lost) and starts a new stream after ReconnectInterval. A watchdog
// of its own probes libvirtd (`virsh uri`) every WatchdogInterval; a
// failed or hung probe means the stream may be dead too, so it is
// restarted once libvirtd answers again.
//
// A forwarded event whose domain UUID cannot be looked up (libvirtd just
// went away) is kept and retried after the next reconnect; the UUID of
// every domain is also learnt from its first event of any kind and at each
// stream start, so a crash right before libvirtd dies is still
// attributed. Events that happen while no stream is connected are not
// seen (as with Masakari); the gap is ReconnectInterval plus the time
// libvirtd needs to come back.
package instance
