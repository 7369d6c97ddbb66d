// Package wire is the AMQP half of the contract between the monitors and
// the engine: the broker URL (oslo.messaging's transport_url, one host or
// several for failover), the queue names, the arguments each queue is
// declared with, and how a connection is dialled. monitors/event holds the
// other half, the message bodies.
//
// Both sides import this package and nothing else of each other, so a queue
// argument or a URL rule is written once. A monitor and an engine that
// disagree on a queue's arguments cannot both declare it (RabbitMQ answers
// PRECONDITION_FAILED), which is why the arguments live here and nowhere
// else.
//
// # transport_url
//
// The accepted forms are the ones oslo.messaging documents:
//
//	rabbit://user:pass@host:5672/vhost
//	rabbit://user:pass@host1:5672,user:pass@host2:5672,host3/vhost
//	amqp://user:pass@host:5672/vhost     (and amqps://)
//
// Every host of a multi-host URL may carry its own credentials; a host
// without them takes those of the host before it (guest/guest, AMQP's
// default, when no host has any). The virtual host is shared. The query parameter
// ssl=1 (or true/yes/on) selects TLS, as amqps:// does. Dial tries the hosts
// in turn, starting after the one that worked last (oslo's round-robin
// failover), and names every host that failed when none answers.
package wire
