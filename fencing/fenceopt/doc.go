// Package fenceopt is the option schema of the fence drivers: for each
// driver (ipmi, agent, manual) the fields a device takes, which of them are
// required, the options it accepts with their types and defaults, and the
// one function per driver that turns a device as an operator gave it into
// the driver's settings.
//
// # Overview
//
// A fence device reaches Lazarus twice: through the API, which must refuse
// what the engine could not use, and from the database, when the engine
// builds the host's topology. Both go through this package, so they apply
// the same rules and the same mapping:
//
//	API body ──► Check(Device, password) ──► stored row
//	stored row ──► ParseIPMI / ParseAgent ──► ipmi.Config / agent.Config (cmd/internal/fencewire)
//
// The package imports nothing but the standard library, so lazarus-api can
// validate a device without linking a driver (go-ipmi stays out of it).
//
// # Options
//
// ipmi takes cipher_suite (an integer; 0 or absent means suite 3) and
// privilege (administrator, admin, operator or user; absent means
// administrator); its address is required and its port defaults to 623.
//
// agent takes agent (a fence agent's name, fence_*) and the options the
// agent's own `-o metadata` lists (agent_table.go, regenerated with go
// generate from Debian's fence-agents) minus every option that names a
// program, a file, a script or a command (see agent_options.go). The
// device's address, port and username become the agent's ip, ipport and
// username unless the options set them. Option names are compared
// case-insensitively with '-' and '_' the same, and handed to the agent in
// that normal form. Values are checked against the type the metadata
// gives: a switch (lanplus, ssl, ...) takes a boolean and is handed over as
// 1 or 0, an integer (ipport) a decimal integer, a second (power_wait) a
// non-negative number, a select (method, privlvl) one of its choices in
// any case — so a typo is refused when the device is created, not found
// when the host must be fenced.
//
// manual takes only a level: it stands for an operator's confirmation.
//
// # Failure handling
//
// Every function returns an error whose text is a sentence an operator can
// act on; the API puts it into Masakari's badRequest body as it is.
package fenceopt

//go:generate go run ./internal/genoptions -out agent_table.go
