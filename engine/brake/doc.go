// Package brake decides whether Lazarus may fence (and evacuate) a host
// automatically, or must hold the recovery because it is more likely on
// the wrong side of a partition, or too much is failing at once
// (DESIGN.md invariant 4).
//
// # Overview
//
// Before every automatic fence the host flow takes the segment's fence
// gate (a transaction-scoped advisory lock, so engines decide one at a
// time), counts the segment's failing hosts and recent fences
// (store.RecoverySegmentFailureStatsTx), asks the engine's self-check, and
// calls Decide. A hold is visible: the notification's message carries the
// reason and the recovery is re-evaluated every hold_recheck_interval. An
// operator's fence confirmation is not an automatic fence and passes.
package brake
