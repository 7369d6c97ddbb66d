// Package nova is Lazarus's client of the OpenStack Compute API, built on
// gophercloud v2: compute services (force down, disable, enable), servers
// (list by host across all tenants and pages, evacuate, start, stop, reset
// state, lock with a reason), migrations, hypervisors, aggregates, server
// groups, and the capacity of compute nodes from Placement (Capacities).
//
// # Overview
//
// New authenticates once against Keystone v3 with password credentials and
// keeps that provider, re-authenticating only when the token expires
// (Masakari fetches a new token for every call). Every request carries an
// HTTP timeout and the compute microversion New negotiated from Nova's
// version document: the highest both know, 2.53 to 2.96 (Negotiate).
// Everything that depends on it is decided in one place, Features.
//
// # Request bodies
//
// Two gophercloud request builders send what Nova does not want, so this
// package writes those bodies itself:
//
//	PUT  /os-services/{uuid}     {"forced_down": false}   (UpdateOpts omits false)
//	POST /servers/{id}/action    {"evacuate": {}}         (EvacuateOpts adds onSharedStorage,
//	                             {"evacuate": {"host": h}} rejected since 2.14)
//
// # Failure handling
//
// Errors wrap gophercloud's HTTP errors, so callers branch on the status
// with gophercloud.ResponseCodeIs (400 "Compute service of <host> is still
// in use." from Evacuate, 409 from StopServer ...). A missing server,
// service or aggregate also wraps ErrNotFound, an already stopped server
// ErrAlreadyStopped, and an evacuation refused because the source compute
// service is still up ErrServiceInUse.
package nova
