package publish

import (
	"fmt"
	"log/slog"
	"path/filepath"

	"github.com/prometheus/client_golang/prometheus"
)

// Options is everything a monitor binary needs to build its Publisher, as
// read from the [DEFAULT] and [monitors] config sections.
type Options struct {
	// Transport is "amqp" or "api".
	Transport string
	// TransportURL and Queue are [DEFAULT] transport_url and
	// notification_queue (transport amqp).
	TransportURL string
	Queue        string
	// SpoolDir is the base spool directory; each monitor spools in its own
	// subdirectory named after Monitor.
	SpoolDir string
	Monitor  string
	SpoolMax int
	// API is used with transport api.
	API APIConfig
}

// Open builds the spool, the sender and the Publisher; the caller runs it.
func Open(o Options, log *slog.Logger, reg prometheus.Registerer) (*Publisher, error) {
	spool, err := OpenSpool(filepath.Join(o.SpoolDir, o.Monitor), o.SpoolMax, log)
	if err != nil {
		return nil, err
	}
	var sender Sender
	switch o.Transport {
	case "", "amqp":
		if o.TransportURL == "" {
			return nil, fmt.Errorf("[DEFAULT] transport_url is required with [monitors] transport = amqp")
		}
		s, err := NewAMQPSender(AMQPConfig{URL: o.TransportURL, Queue: o.Queue}, log)
		if err != nil {
			return nil, err
		}
		sender = s
	case "api":
		if o.API.Endpoint == "" && o.API.AuthURL == "" {
			return nil, fmt.Errorf("[monitors] api_endpoint or auth_url is required with transport = api")
		}
		sender = NewAPISender(o.API, log)
	default:
		return nil, fmt.Errorf("[monitors] transport %q is not amqp or api", o.Transport)
	}
	p := New(Config{}, spool, sender, log, reg)
	if n := spool.Len(); n > 0 {
		log.Info("replaying spooled events", "pending", n)
	}
	return p, nil
}
