// Package enginetest holds what engine tests share: an in-memory Nova
// (FakeCompute), a fencer (FakeFencer), and database fixtures.
package enginetest
