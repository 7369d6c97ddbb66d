// Package leader elects one engine among the replicas and runs the
// periodic tasks only the leader may run.
//
// # Overview
//
// The leader holds the "leader" row of the leases table (store.LeaseAcquire):
// every engine tries to take or renew it every TTL/3; the holder renews,
// the others find it taken. A leader that cannot renew within its local
// trusted window (TTL − TTL/5 after its last successful renewal) stops
// acting as leader before anyone else can take over, River's pattern.
//
// Leader-only tasks, Masakari's periodic tasks made safe for several
// engines:
//
//   - retry: a notification in error is run once more (its recovery
//     resumes from the journal, so only what failed is redone), then failed
//     ([DEFAULT] process_unfinished_notifications_interval);
//   - expire: new/running/error notifications older than
//     notifications_expired_interval become failed, except recoveries an
//     engine is actively working on;
//   - clear maintenance ([engine] clear_maintenance): a host Lazarus itself
//     put on maintenance is taken out once no recovery of it is active and
//     Nova reports its nova-compute up and not forced down (an operator
//     unset force-down after repairing it: invariant 6 keeps Lazarus from
//     doing so itself).
//
// Stale new notifications need no task: every engine turns every new
// notification into a recovery on each poll (engine/workflow).
//
// # State model
//
//	follower ──acquire ok──► leader ──renew fails / window passes──► follower
//
// # Failure handling
//
// A task's error is logged once and the task runs again at its next
// interval. Resigning (Stop) deletes the row so a successor need not wait
// for the TTL.
package leader
