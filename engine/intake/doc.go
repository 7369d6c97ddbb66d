// Package intake moves monitor events from RabbitMQ into Postgres.
//
// # Overview
//
// The intake consumes the durable quorum queue [DEFAULT] notification_queue
// (declared by monitors and engine alike with exactly
// {"x-queue-type": "quorum"}) with manual acks and a prefetch. Each
// message is decoded with monitors/event and inserted through
// store.NotificationInsert, which deduplicates atomically and, after the
// commit, wakes the engines with a batched pg_notify. The message is acked
// only after that commit (invariant 3: nothing lost).
//
// Reports of one failure from several observers merge: a duplicate, or a
// report for a host already on maintenance because of an active recovery,
// records its observer (and evidence) against the existing notification
// instead of starting anything. A redelivered event (same id) is
// recognised and acked.
//
// # State model
//
//	dial ─► declare ─► consume ─► (channel or connection closed) ─► backoff ─► dial …
//
// # Failure handling
//
// A message that can never be valid (bad JSON, schema violation, unknown
// host) is published to <queue>.dead with the header
// x-lazarus-reject-reason, confirmed by the broker, and only then acked: it
// never blocks the queue. A transient failure (database unreachable) nacks
// with requeue after a short delay. A dropped connection is redialled by a
// supervisor loop with capped backoff; unacked messages are redelivered by
// the broker and recognised by their event id.
package intake
