// Package testing holds the unit tests of the instance-ha client library,
// run against an httptest server that answers with Masakari's documented
// bodies.
package testing
