// Package fencewire builds a host's fencing.Topology from its fence devices
// stored in Postgres, decrypting their passwords with the key of [fencing]
// secret_key_file, and runs the periodic readiness check of every device.
//
// # Overview
//
// HostFencer.Fence(ctx, host) reads the host's devices, groups them by
// level (ascending; a "manual" device makes its level manual), builds an
// ipmi.Device or agent.Device for each, and runs the topology. A stored
// device's fields and options are mapped to the driver's config by
// fencing/fenceopt (ParseIPMI, ParseAgent), the schema the API validated
// them with; nothing here reads an option itself. The engine
// adapts HostFencer to its own Fencer interface in cmd/lazarus-engine.
//
// Readiness checks each device periodically (reachable, credentials
// accepted, power status readable), records fence_ready, last_error and
// checked_at on the device row, and sets the gauge lazarus_fence_ready per
// host: 1 when at least one automatic level has every device ready, 0
// otherwise (no devices, only a manual level, or every level failing), so
// an unprotected host shows before it fails.
//
// # Failure handling
//
// A device whose password does not decrypt (wrong key file, a row copied
// from another host), or whose options the schema refuses (a row written
// straight into the database, or before the schema knew an option's type),
// fails its level like an unreachable one; the error says so. Passwords are never logged: errors of the drivers never contain
// them, and this package logs only errors and device names.
package fencewire
