package wire

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"
)

// DialConfig is what every Lazarus connection to the broker sets.
type DialConfig struct {
	// Name is the connection_name RabbitMQ shows ("lazarus-engine intake").
	Name string
	// Timeout bounds one TCP+AMQP connect to one broker. Default 5s.
	Timeout time.Duration
	// Heartbeat is the AMQP heartbeat. Default 10s.
	Heartbeat time.Duration
}

// Dialer dials the brokers of a Transport in turn: each Dial starts with
// the broker after the one that answered last, so a client whose broker
// died moves to the next one, and tries every broker once before it gives
// up. It is safe for concurrent use.
type Dialer struct {
	t   *Transport
	cfg DialConfig

	mu   sync.Mutex
	next int
}

// NewDialer returns a Dialer for the transport_url raw.
func NewDialer(raw string, cfg DialConfig) (*Dialer, error) {
	t, err := ParseTransportURL(raw)
	if err != nil {
		return nil, err
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 5 * time.Second
	}
	if cfg.Heartbeat <= 0 {
		cfg.Heartbeat = 10 * time.Second
	}
	return &Dialer{t: t, cfg: cfg}, nil
}

// Transport is the parsed URL.
func (d *Dialer) Transport() *Transport { return d.t }

// Dial connects to the first broker that answers and returns the
// connection and that broker's address. Its error names each broker that
// failed and why.
func (d *Dialer) Dial() (*amqp.Connection, string, error) {
	d.mu.Lock()
	start := d.next
	d.mu.Unlock()
	n := len(d.t.Brokers)
	var errs []string
	for i := range n {
		idx := (start + i) % n
		b := d.t.Brokers[idx]
		props := amqp.NewConnectionProperties()
		if d.cfg.Name != "" {
			props.SetClientConnectionName(d.cfg.Name)
		}
		conn, err := amqp.DialConfig(b.URL, amqp.Config{
			Heartbeat: d.cfg.Heartbeat, Locale: "en_US", Properties: props,
			Dial: amqp.DefaultDial(d.cfg.Timeout),
		})
		if err == nil {
			d.mu.Lock()
			// The next dial, after this connection is lost, starts with the
			// next broker: the one that just failed us is the least likely
			// to be back.
			d.next = (idx + 1) % n
			d.mu.Unlock()
			return conn, b.Addr, nil
		}
		errs = append(errs, fmt.Sprintf("%s: %v", b.Addr, redact(err, b.URL)))
	}
	if n == 1 {
		return nil, "", errors.New(errs[0])
	}
	return nil, "", fmt.Errorf("no broker answered (%s)", strings.Join(errs, "; "))
}

// redact keeps a URL-bearing error from printing the password.
func redact(err error, u string) string {
	s := err.Error()
	if u != "" {
		s = strings.ReplaceAll(s, u, "<transport_url>")
	}
	return s
}
