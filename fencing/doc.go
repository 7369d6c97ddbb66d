// Package fencing is the contract the engine relies on to prove a failed
// compute host is off before its instances are evacuated (DESIGN.md,
// invariant 1), plus the per-host topology that orders fence devices.
//
// # Overview
//
// A [Device] is one way of switching a host's power: a BMC over IPMI
// (package fencing/ipmi) or any ClusterLabs fence agent (package
// fencing/agent). Device.PowerOff returns nil only after the device read
// back power off; a device that merely acknowledged the command has not
// fenced anything. Power cycle and reset are never used: they can report
// success while the host is still running.
//
// A [Topology] holds a host's devices in ordered levels. Every device of a
// level must read back off for the level to succeed (two PDUs feeding two
// power supplies); a failing level falls through to the next; a level may be
// manual, in which case fencing stops and waits for an operator.
//
// # State model
//
//	Fence(ctx)
//	   │
//	   ▼
//	 level 1 ──all devices off──► Result{Verified: true, Level: 1}
//	   │ any device failed
//	   ▼
//	 level 2 ──all devices off──► Result{Verified: true, Level: 2}
//	   │ any device failed
//	   ▼
//	 manual  ───────────────────► ErrManualConfirmationRequired (evidence so far)
//	   │ (no manual level)
//	   ▼
//	 error joining every level's failure, Verified false
//
// # Failure handling
//
// Errors wrap one of the sentinels [ErrUnreachable], [ErrAuth],
// [ErrTimeout], [ErrRefused] or [ErrManualConfirmationRequired], so the
// caller can choose between retrying, holding and asking an operator with
// errors.Is. Every exchange with a device is recorded as a [Reading]: the
// result carries them as evidence for the recovery journal, including the
// failed ones. A context that ends stops fencing at once; no later level is
// tried after the caller gave up.
package fencing
