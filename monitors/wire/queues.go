package wire

import (
	"fmt"

	amqp "github.com/rabbitmq/amqp091-go"
)

// DefaultQueue is the notification queue when [DEFAULT] notification_queue
// is not set.
const DefaultQueue = "lazarus.notifications"

// DeadLetterQueue is the queue where the engine parks the messages of
// notification queue q that it can never process.
func DeadLetterQueue(q string) string { return q + ".dead" }

// HeartbeatQueue is the heartbeat queue that goes with notification queue q.
func HeartbeatQueue(q string) string { return q + ".heartbeats" }

// NotificationQueueArgs are the arguments of the notification queue and of
// its dead-letter queue: durable quorum queues, so a confirmed event
// survives the loss of a broker node.
func NotificationQueueArgs() amqp.Table { return amqp.Table{"x-queue-type": "quorum"} }

// HeartbeatQueueArgs are the arguments of the heartbeat queue: a classic,
// non-durable queue whose messages expire after a minute and that never
// holds more than 10,000 (the oldest are dropped), so an engine that is down
// does not leave a growing backlog behind.
func HeartbeatQueueArgs() amqp.Table {
	return amqp.Table{"x-queue-type": "classic", "x-message-ttl": int32(60000), "x-max-length": int32(10000), "x-overflow": "drop-head"}
}

// Declarer is the part of *amqp.Channel that declares queues.
type Declarer interface {
	QueueDeclare(name string, durable, autoDelete, exclusive, noWait bool, args amqp.Table) (amqp.Queue, error)
}

// DeclareNotificationQueue declares notification queue q (durable, quorum).
func DeclareNotificationQueue(ch Declarer, q string) error {
	return declare(ch, q, true, NotificationQueueArgs())
}

// DeclareDeadLetterQueue declares the dead-letter queue of q.
func DeclareDeadLetterQueue(ch Declarer, q string) error {
	return declare(ch, DeadLetterQueue(q), true, NotificationQueueArgs())
}

// DeclareHeartbeatQueue declares the heartbeat queue of q.
func DeclareHeartbeatQueue(ch Declarer, q string) error {
	return declare(ch, HeartbeatQueue(q), false, HeartbeatQueueArgs())
}

func declare(ch Declarer, name string, durable bool, args amqp.Table) error {
	if _, err := ch.QueueDeclare(name, durable, false, false, false, args); err != nil {
		return fmt.Errorf("declare queue %s: %w", name, err)
	}
	return nil
}
