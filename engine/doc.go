// Package engine is the home of lazarus-engine's parts, one package each:
//
//   - engine/intake: RabbitMQ → Postgres. Monitor events are decoded,
//     deduplicated through store.NotificationInsert and acked only after
//     the commit; invalid ones go to the dead-letter queue.
//   - engine/workflow: the durable runner. It turns new notifications into
//     recoveries, claims due recoveries with FOR UPDATE SKIP LOCKED, keeps
//     their leases, and hands each to its flow.
//   - engine/recovery: the host, instance and process failure flows.
//   - engine/brake: the storm brakes weighed before any fence.
//   - engine/leader: leader election and the leader-only periodic tasks.
//   - engine/metrics: the engine's Prometheus metrics.
//   - engine/enginetest: fakes of Nova and the fencer, and fixtures.
package engine
