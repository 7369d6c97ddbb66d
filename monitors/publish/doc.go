// Package publish delivers monitor events without losing them: every event
// is first written to an on-disk spool, then sent (AMQP with publisher
// confirms and mandatory routing, or Masakari's POST /v1/notifications),
// and removed from the spool only once the receiver has taken it.
//
// # Overview
//
// A Publisher owns a Spool and a Sender. Publish encodes the event, writes
// it to the spool (fsynced) and wakes the sender loop; it returns as soon as
// the event is durable on the local disk. The loop (Run) sends the oldest
// spooled events in batches, removes those the receiver confirmed, and on
// any failure backs off and tries again, redialling the broker as needed.
// A monitor restart re-opens the spool and replays what is left, oldest
// first.
//
// # State model
//
//	Publish ──► spool (fsynced file) ──► Send ──confirmed+routed──► removed
//	                  ▲                    │
//	                  └──── nack, return, ─┘ (stays; retried after backoff)
//	                        timeout, broker down
//
// # Failure handling
//
// AMQP: the queue is declared durable with {"x-queue-type": "quorum"};
// messages are persistent and mandatory on the default exchange. A message
// counts as delivered only when its confirm is an ack AND no basic.return
// with its MessageId arrived before that ack (RabbitMQ acks unroutable
// mandatory messages too, after returning them). Any channel or connection
// error drops the connection; the next attempt dials afresh, so pending
// confirms of a dead connection are never mistaken for success.
//
// Delivery is at least once: an event whose ack was lost is sent again with
// the same MessageId (= event id), which the engine deduplicates. The spool
// is bounded: past SpoolMax events the oldest are dropped and counted,
// because a monitor that fills its disk helps nobody.
package publish
