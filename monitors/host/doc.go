// Package host is the failure detector behind lazarus-hostmonitor: it runs
// one hashicorp/memberlist (SWIM) cluster per configured network between
// the compute hosts of a segment and reports a peer as failed only when it
// is dead on every network.
//
// # Overview
//
// Every compute host runs a Monitor. Each network (management, storage, …)
// has its own memberlist bound to that network's address, so the SWIM
// probes, indirect probes and suspicion of one network say nothing about
// another. The Monitor merges the per-network views into one status per
// peer and publishes COMPUTE_HOST notifications with Masakari's payload:
// STOPPED (host_status NORMAL, cluster_status OFFLINE) when a peer is down,
// STARTED (NORMAL, ONLINE) when a peer it reported comes back. Every
// observer reports on its own; the engine deduplicates.
//
// # State model
//
//	         dead on some networks            dead on every network
//	up ───────────────────────► degraded ───────────────────────► down
//	▲  ◄───────────────────────          ◄───────────────────────  │
//	│           alive again                    alive on one        │ settle time passed,
//	│                                                              │ observer not isolated
//	└────────────── STARTED ◄── reported ◄─────── STOPPED ◄────────┘
//
// Degraded is logged and exported as a metric, never reported as a
// failure: a host that answers on any link is alive (DESIGN §3.5).
//
// # Failure handling
//
// Self-isolation: before accusing anyone the observer asks whether it is
// itself the one cut off. A peer goes down only after a settle time long
// enough for the observer to have probed every peer; if by then no peer is
// alive on any network, the observer checks [hostmonitor]
// isolation_addresses. If none answers (or none is configured) it is
// isolated: it accuses nobody, reports itself (COMPUTE_HOST STOPPED about
// itself, host_status UNKNOWN, evidence isolated) for when the broker is
// reachable again, and after isolation_timeout runs isolation_action once.
// An observer whose memberlist health score is non-zero on every network
// (its own probes are failing) also waits before accusing.
//
// Partitions heal: memberlist does not rejoin by itself after every peer
// was declared dead, so each network re-joins its configured peers and the
// addresses of dead peers every RejoinInterval.
//
// Events are published through monitors/publish, which spools them to disk
// and re-sends until the broker confirms ("repeat until confirmed").
package host
