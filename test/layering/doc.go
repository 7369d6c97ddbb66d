// Package layering checks the import rules of DESIGN.md §2 against the
// real import graph (`go list`): dependencies point one way, cmd → api /
// engine / monitors → store / fencing / openstack; nothing imports cmd or
// test; api and engine never import each other; the engine talks to the
// monitors only through their wire contract (monitors/event, monitors/wire);
// only cmd links the fencing drivers. `make lint` and `make test` run it.
package layering
