// Package novasim is a stateful simulator of the parts of the OpenStack
// Compute (Nova) API, and of the Keystone v3 token API, that Lazarus uses.
//
// # Overview
//
// A Sim is an http.Handler. Serve it with httptest.NewServer in tests, or
// through the lazarus-novasim binary for the demo and the scale benchmark.
// It answers:
//
//	GET  /                          identity version discovery
//	GET  /v3                        identity v3 version document
//	POST /v3/auth/tokens            password authentication; the catalog's compute
//	                                endpoint points back at the simulator
//	GET  /v3/auth/tokens            token validation (X-Subject-Token)
//	GET  /compute/v2.1/             compute version document (microversions 2.1-2.95 by default;
//	                                Options.MinMicroversion, MaxMicroversion)
//	GET  /compute/v2.1/os-services  ?binary= &host=
//	PUT  /compute/v2.1/os-services/{uuid}        microversion >= 2.53
//	GET  /compute/v2.1/servers/detail            ?all_tenants= &host= &limit= &marker=
//	GET  /compute/v2.1/servers/{id}
//	POST /compute/v2.1/servers/{id}/action       evacuate, os-start, os-stop,
//	                                              os-resetState, lock, unlock
//	GET  /compute/v2.1/os-migrations             ?instance_uuid= &host= &status= ...
//	GET  /compute/v2.1/os-hypervisors/detail     ?limit= &marker=
//	GET  /compute/v2.1/os-aggregates
//	GET  /compute/v2.1/os-aggregates/{id}
//	POST /compute/v2.1/os-aggregates/{id}/action add_host, remove_host
//	GET  /compute/v2.1/os-server-groups          ?all_projects= (policy from 2.64, policies before)
//	GET  /placement/                              placement version document
//	GET  /placement/resource_providers            one per hypervisor (UUID = hypervisor ID)
//	GET  /placement/resource_providers/{uuid}/inventories   VCPU, MEMORY_MB, DISK_GB
//	PUT  /placement/resource_providers/{uuid}/inventories   reserved and allocation_ratio
//	GET  /placement/resource_providers/{uuid}/usages        servers plus evacuations claimed
//
// Version-dependent answers follow Nova: services and hypervisors by UUID
// from 2.53, no hypervisor capacity fields from 2.88, server_groups in
// servers from 2.71, lock with locked_reason from 2.73, and from 2.95
// every evacuated instance arrives stopped.
//
// Every compute call needs a token the simulator issued (401 otherwise), so
// a client authenticates exactly as against a real cloud.
//
// # State model
//
// A host is a nova-compute service plus its hypervisor. Its service state
// follows Nova: "down" when forced down, or when nova-compute died
// (KillHost) at least Options.ServiceDownTime ago; "up" otherwise.
//
//	server:  vm_state active|stopped|error, task_state none
//	   evacuate (200) ──► task_state rebuilding, migration "accepted",
//	                      resources claimed on the target
//	   half the evacuate delay ──► on the target host, task_state
//	                               rebuild_spawning (status still REBUILD)
//	   the whole delay ──► task_state none, ACTIVE (or SHUTOFF if it was
//	                       stopped, or from 2.95), migration "done"
//	   (failure injected) ──► after the delay: vm_state error, still on the
//	                          source, migration "failed"
//	   (no valid host)    ──► after the delay: vm_state error, still on the
//	                          source, migration "error"
//
// Evacuate follows Nova's rules: 400 "Compute service of <host> is still in
// use." while the source service is up; 404 for an unknown target host;
// 400 when the target is the source; 409 while the server has a task
// state. A requested target that is down, disabled, forced down or full is
// accepted and then fails asynchronously (ERROR, migration "error"), as
// NoValidHost does in Nova, or is refused with 400 at once with
// Options.RefuseInvalidTargets. Without a target the simulator schedules to
// the up, enabled host with the most free RAM that fits the flavor.
//
// # Failure handling
//
// Tests inject failures with FailEvacuation (the server ends in ERROR) and
// InjectFault (an HTTP status for matching requests), slow things down with
// SetEvacuateDelay, SetPowerDelay and SetAPILatency (StepPending moves
// whatever is in flight one phase on, FinishPending completes it), and
// read what happened with
// EvacuateCalls, EvacuateCount, Requests, Server, ServersOnHost and
// Service. WaitIdle waits until every evacuation, start and stop in flight
// has completed. ControlHandler offers the same controls over HTTP to the
// lazarus-novasim binary's users.
//
// # Fidelity
//
// Status codes and error messages were compared with a real Nova (Zed,
// test/e2e/cloud.sh) by TestAcceptanceAnswersLikeRealNova (build tag
// acceptance), and python-novaclient, Masakari's client, drives the
// simulator in TestPythonNovaclient. Known simplifications: one cell, no
// networks or images, no deletes, host_status approximated.
package novasim
