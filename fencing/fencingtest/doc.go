// Package fencingtest provides Fake, an in-memory fencing.Device that records
// every call and fails, hangs or lies on cue. It lives in a non-test file so
// the engine's tests can fence hosts without a BMC.
package fencingtest
