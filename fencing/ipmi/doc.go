// Package ipmi is a fencing.Device that switches a host's power through its
// BMC over IPMI v2.0 lanplus (RMCP+), using github.com/bougou/go-ipmi.
//
// # Overview
//
// PowerOff reads the chassis power first: a host already off is fenced by
// that reading. Otherwise it sends Chassis Control "power down" and polls
// Get Chassis Status (at once, then 50ms apart doubling up to PollInterval,
// for at most PowerOffTimeout) until the
// BMC reads back off; Chassis Control only acknowledges the request, real
// BMCs switch asynchronously. Power cycle, hard reset and soft shutdown are
// never sent: they can report success while the host still runs.
//
// Each call opens its own session and closes it, so a Device is safe for
// concurrent use and never depends on a session that the BMC may have
// dropped.
//
// # State model
//
//	connect ──► status ──off──► done (already off)
//	               │on/unknown
//	               ▼
//	          power down ──► poll status ──off──► done (verified)
//	                              │ still on at PowerOffTimeout
//	                              ▼
//	                         ErrTimeout
//
// # Failure handling
//
// Errors wrap fencing sentinels: a BMC that does not answer within
// Timeout×(Retries+1) is fencing.ErrUnreachable and fencing.ErrTimeout; a
// refused connection is fencing.ErrUnreachable; a RAKP mismatch or an
// unknown user is fencing.ErrAuth; an IPMI completion code other than
// success is fencing.ErrRefused; power that is still on at the deadline is
// fencing.ErrTimeout. The cipher suite is explicit (default 3) because
// probing with Get Channel Cipher Suites costs seconds against BMCs that do
// not implement it. The password is never part of an error or a Name.
package ipmi
