// Package recovery holds the engine's recovery flows: host failure,
// instance failure and process failure. Flows.Handle is the
// workflow.Handler of lazarus-engine.
//
// # Overview
//
// A host failure (COMPUTE_HOST, STOPPED) runs
//
//	verdict → fence → force_down → select → evacuate (+confirm) → finish
//
// verdict weighs the monitors' reports, Nova's service state and the BMC's
// power reading (Decide); a host alive on any channel is not evacuated,
// and one whose only nova-compute died goes to the process flow. fence
// proves the host dead (a verified power-off read back, or an operator's
// confirmation) behind the storm brake (package brake). force_down marks
// the compute service forced down and disabled (no fixed sleep). select
// lists every server on the host (all tenants, all pages) and orders the
// HA-enabled ones first (Select); place picks targets (Placer) with
// capacity from Placement and the instance's constraints (zone, server
// groups, aggregates: newPlacer, constraints.go); each instance is locked
// with a reason naming Lazarus and the notification while it is moved and
// unlocked after (instance), and started when Nova (>= 2.95) left it
// stopped although it ran before the failure (powerOn); evacuate
// keeps within the engine's evacuation limits (evacLimiter: per target
// host and in all, across recoveries; host_failure_recovery_threads per
// recovery when set), one vmoves row per instance, and confirms each
// ACTIVE on another host.
//
// # State model
//
// Every step journals its result, and every side effect is preceded by a
// lease-checked intent, so a resumed recovery skips what is done:
//
//	instance:  pending ─lock─► ─intent─► ongoing ─confirm─► succeeded ─start?─► ─unlock─►
//	             │ locked by someone else ─► failed (not evacuated)
//	                                  │ still on the failed host: next target
//	                                  └ ERROR elsewhere / timeout ─► failed
//	                                          start refused / not ACTIVE ─► failed (evacuated)
//
// The fence step and each instance's evacuation are small state machines
// (fenceState in fence_step.go, evacState in evacuate.go): each state does
// its I/O, and a pure function with a table test decides the next one.
//
// The flows reach the database only through the workflow journal
// (job.Checkpoint, job.Result) and ledger (ledger.go), whose writes change
// their row in the same lease-checked transaction as the entries that
// journal them.
//
// # Failure handling
//
// Nothing is evacuated before the host is proven dead (invariant 1): when
// every fence level fails the recovery is held with the reason and re-tried
// every hold_recheck_interval; an operator's confirmation releases it. A
// resumed evacuation re-reads Nova — server host, task state, and for an
// instance with a journaled intent its migrations — before it issues
// anything, so no instance is evacuated twice (invariant 3). One failed
// instance does not stop the others; the notification ends error with
// per-instance reasons. The flows never unset force-down, enable the failed
// host's service or power a host on (invariant 6).
package recovery
