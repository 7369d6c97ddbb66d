package ipmi

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"syscall"
	"time"

	"github.com/bougou/go-ipmi/pkg/client"
	"github.com/bougou/go-ipmi/pkg/command/chassis"
	"github.com/bougou/go-ipmi/pkg/types"

	"github.com/lazarus-ha/lazarus/fencing"
	"github.com/lazarus-ha/lazarus/fencing/fenceopt"
)

// Defaults applied to zero Config fields.
const (
	// DefaultPort is the IPMI RMCP port (fenceopt's default).
	DefaultPort = fenceopt.IPMIDefaultPort
	// DefaultCipherSuite is RAKP-HMAC-SHA1 / HMAC-SHA1-96 / AES-CBC-128,
	// supported by nearly every BMC, ipmi_sim included (fenceopt's default).
	DefaultCipherSuite = fenceopt.IPMIDefaultCipherSuite
	// DefaultTimeout bounds one UDP exchange.
	DefaultTimeout = 2 * time.Second
	// DefaultPollInterval is the interval between status reads while
	// waiting for off.
	DefaultPollInterval = time.Second
	// DefaultPowerOffTimeout is how long power may take to read back off.
	DefaultPowerOffTimeout = 20 * time.Second
)

// firstPoll is the interval after the first status read following the off
// command; it doubles up to Config.PollInterval.
const firstPoll = 50 * time.Millisecond

// Config describes one BMC.
type Config struct {
	// Name identifies the device in readings; default "ipmi:ADDRESS:PORT".
	Name string
	// Address is the BMC's host name or IP address. Required.
	Address string
	// Port is the BMC's UDP port (default 623).
	Port int
	// Username and Password are the BMC credentials. The password is
	// never logged, printed or put into an error.
	Username string
	Password string
	// CipherSuite is the RMCP+ cipher suite id (default 3; 0 means the
	// default, suite 0 without authentication is never used).
	CipherSuite int
	// Privilege is the session privilege: "administrator" (default),
	// "operator" or "user".
	Privilege string
	// Timeout bounds one UDP exchange (default 2s).
	Timeout time.Duration
	// Retries is how many extra attempts an exchange that timed out gets
	// (0: none).
	Retries int
	// PollInterval is the longest interval between status reads while
	// waiting for off (default 1s); reads start 50ms apart and double.
	PollInterval time.Duration
	// PowerOffTimeout is how long power may take to read back off after
	// the off command (default 20s).
	PowerOffTimeout time.Duration
}

// ConfigFrom is the Config of a stored device's settings, as
// fenceopt.ParseIPMI mapped them; the caller adds the password, the name
// and the timings.
func ConfigFrom(o fenceopt.IPMI) Config {
	return Config{Address: o.Address, Port: o.Port, Username: o.Username, CipherSuite: o.CipherSuite, Privilege: o.Privilege}
}

// String describes the config without its password.
func (c Config) String() string {
	return fmt.Sprintf("ipmi{address=%s port=%d username=%s password=[hidden] cipher_suite=%d privilege=%s}",
		c.Address, c.Port, c.Username, c.CipherSuite, c.Privilege)
}

// Device is a BMC reached over IPMI lanplus. It implements fencing.Device.
type Device struct {
	cfg  Config
	priv types.PrivilegeLevel
}

// New validates cfg, fills defaults and returns the device. It does not
// contact the BMC.
func New(cfg Config) (*Device, error) {
	if cfg.Address == "" {
		return nil, errors.New("ipmi: address is required")
	}
	cfg.Port = cmp.Or(cfg.Port, DefaultPort)
	cfg.CipherSuite = cmp.Or(cfg.CipherSuite, DefaultCipherSuite)
	cfg.Timeout = cmp.Or(cfg.Timeout, DefaultTimeout)
	cfg.PollInterval = cmp.Or(cfg.PollInterval, DefaultPollInterval)
	cfg.PowerOffTimeout = cmp.Or(cfg.PowerOffTimeout, DefaultPowerOffTimeout)
	cfg.Privilege = cmp.Or(strings.ToLower(cfg.Privilege), fenceopt.IPMIDefaultPrivilege)
	cfg.Name = cmp.Or(cfg.Name, fmt.Sprintf("ipmi:%s:%d", cfg.Address, cfg.Port))
	switch {
	case cfg.Port < 1 || cfg.Port > 65535:
		return nil, fmt.Errorf("ipmi: port %d out of range", cfg.Port)
	case cfg.CipherSuite < 1 || cfg.CipherSuite > 255:
		return nil, fmt.Errorf("ipmi: cipher suite %d out of range 1-255", cfg.CipherSuite)
	case cfg.Timeout < 0 || cfg.PollInterval < 0 || cfg.PowerOffTimeout < 0:
		return nil, errors.New("ipmi: timeouts must be positive")
	case cfg.Retries < 0:
		return nil, errors.New("ipmi: retries must not be negative")
	}
	d := &Device{cfg: cfg}
	switch cfg.Privilege {
	case "administrator", "admin":
		d.priv = types.PrivilegeLevelAdministrator
	case "operator":
		d.priv = types.PrivilegeLevelOperator
	case "user":
		d.priv = types.PrivilegeLevelUser
	default:
		return nil, fmt.Errorf("ipmi: privilege %q is not administrator, operator or user", cfg.Privilege)
	}
	return d, nil
}

// Name returns the device name (never the password).
func (d *Device) Name() string { return d.cfg.Name }

// Config returns the device's configuration with defaults filled in.
func (d *Device) Config() Config { return d.cfg }

// connect opens an authenticated session. A session setup the BMC
// answered with a protocol error (not a timeout, not a credential problem)
// is tried again, up to Retries times: on a loaded BMC a late answer to a
// retransmitted Open Session can spoil one setup.
func (d *Device) connect(ctx context.Context) (*client.Client, error) {
	var err error
	for attempt := 0; attempt <= d.cfg.Retries; attempt++ {
		var c *client.Client
		c, err = d.connectOnce(ctx)
		if err == nil {
			return c, nil
		}
		if !errors.Is(err, fencing.ErrRefused) || ctx.Err() != nil {
			return nil, err
		}
	}
	return nil, err
}

func (d *Device) connectOnce(ctx context.Context) (*client.Client, error) {
	c, err := client.NewClient(d.cfg.Address, d.cfg.Port, d.cfg.Username, d.cfg.Password)
	if err != nil {
		return nil, fmt.Errorf("%w: %s", fencing.ErrAuth, scrub(err.Error(), d.cfg.Password))
	}
	c.WithTimeout(d.cfg.Timeout).
		WithRetry(d.cfg.Retries).
		WithCipherSuiteID(types.CipherSuiteID(d.cfg.CipherSuite)).
		WithMaxPrivilegeLevel(d.priv)
	if err := c.Connect(ctx); err != nil {
		// Connect starts no keep-alive goroutine when it fails, but it may
		// hold a UDP socket.
		closeClient(c)
		return nil, d.classify("connect", err)
	}
	return c, nil
}

func closeClient(c *client.Client) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	_ = c.Close(ctx)
}

// status reads the chassis power.
func (d *Device) status(ctx context.Context, c *client.Client) (fencing.PowerState, error) {
	st, err := c.GetChassisStatus(ctx)
	if err != nil {
		return fencing.PowerUnknown, d.classify("get chassis status", err)
	}
	if st.PowerIsOn {
		return fencing.PowerOn, nil
	}
	return fencing.PowerOff, nil
}

func (d *Device) reading(action string, s fencing.PowerState, err error) fencing.Reading {
	r := fencing.Reading{Time: time.Now(), Device: d.cfg.Name, Action: action, State: s}
	if err != nil {
		r.Err = err.Error()
	}
	return r
}

// PowerOff switches the host off and returns nil only once the BMC read
// back power off (already off counts). It never power-cycles or resets.
//
// After an exchange timed out the session is dropped and a new one opened
// for the next read: a BMC that lost track of the session's sequence
// numbers (or restarted) would otherwise ignore every later request.
func (d *Device) PowerOff(ctx context.Context) ([]fencing.Reading, error) {
	var rs []fencing.Reading
	var c *client.Client
	defer func() {
		if c != nil {
			closeClient(c)
		}
	}()
	drop := func() {
		if c != nil {
			closeClient(c)
			c = nil
		}
	}
	var err error
	c, err = d.connect(ctx)
	if err != nil {
		rs = append(rs, d.reading(fencing.ActionOff, fencing.PowerUnknown, err))
		return rs, d.wrap("power off", err)
	}

	s, err := d.status(ctx, c)
	rs = append(rs, d.reading(fencing.ActionStatus, s, err))
	if err == nil && s == fencing.PowerOff {
		return rs, nil
	}
	if err != nil {
		if !errors.Is(err, fencing.ErrTimeout) {
			return rs, d.wrap("power off", err)
		}
		drop()
		if c, err = d.connect(ctx); err != nil {
			rs = append(rs, d.reading(fencing.ActionOff, fencing.PowerUnknown, err))
			return rs, d.wrap("power off", err)
		}
	}

	deadline := time.Now().Add(d.cfg.PowerOffTimeout)
	_, err = c.ChassisControl(ctx, chassis.ChassisControlPowerDown)
	if err != nil {
		err = d.classify("chassis control power down", err)
	}
	rs = append(rs, d.reading(fencing.ActionOff, fencing.PowerUnknown, err))
	// A command that timed out may still have been executed: read the
	// power before giving up. A refusal is final.
	if err != nil {
		if !errors.Is(err, fencing.ErrTimeout) {
			return rs, d.wrap("power off", err)
		}
		drop()
	}

	pollCtx, cancel := context.WithDeadline(ctx, deadline)
	defer cancel()
	timer := time.NewTimer(0)
	defer timer.Stop()
	// Read at once, then 50ms, 100ms, ... apart up to PollInterval: a BMC
	// that drops power quickly is seen off quickly, a slow one is not
	// flooded.
	wait := min(firstPoll, d.cfg.PollInterval)
	lastErr := err
	for {
		select {
		case <-pollCtx.Done():
			cause := fmt.Errorf("%w: power not read back off within %s", fencing.ErrTimeout, d.cfg.PowerOffTimeout)
			if ctx.Err() != nil {
				cause = fmt.Errorf("%w: %w", fencing.ErrTimeout, ctx.Err())
			}
			if lastErr != nil {
				cause = fmt.Errorf("%w (last error: %v)", cause, lastErr)
			}
			return rs, d.wrap("power off", cause)
		case <-timer.C:
		}
		s, err := fencing.PowerUnknown, error(nil)
		if c == nil {
			c, err = d.connect(pollCtx)
		}
		if err == nil {
			s, err = d.status(pollCtx, c)
		}
		if pollCtx.Err() != nil && err != nil {
			continue // the deadline passed during this read: report the timeout
		}
		rs = append(rs, d.reading(fencing.ActionStatus, s, err))
		if err == nil && s == fencing.PowerOff {
			return rs, nil
		}
		if err != nil {
			if !errors.Is(err, fencing.ErrTimeout) && !errors.Is(err, fencing.ErrRefused) {
				return rs, d.wrap("power off", err)
			}
			drop()
		}
		lastErr = err
		timer.Reset(wait)
		wait = min(2*wait, d.cfg.PollInterval)
	}
}

// PowerStatus reads the host's power.
func (d *Device) PowerStatus(ctx context.Context) (fencing.PowerState, []fencing.Reading, error) {
	c, err := d.connect(ctx)
	if err != nil {
		return fencing.PowerUnknown, []fencing.Reading{d.reading(fencing.ActionStatus, fencing.PowerUnknown, err)}, d.wrap("power status", err)
	}
	defer closeClient(c)
	s, err := d.status(ctx, c)
	rs := []fencing.Reading{d.reading(fencing.ActionStatus, s, err)}
	if err != nil {
		return fencing.PowerUnknown, rs, d.wrap("power status", err)
	}
	return s, rs, nil
}

// PowerOn switches the host on and reads the power back once.
func (d *Device) PowerOn(ctx context.Context) ([]fencing.Reading, error) {
	c, err := d.connect(ctx)
	if err != nil {
		return []fencing.Reading{d.reading(fencing.ActionOn, fencing.PowerUnknown, err)}, d.wrap("power on", err)
	}
	defer closeClient(c)
	_, err = c.ChassisControl(ctx, chassis.ChassisControlPowerUp)
	if err != nil {
		err = d.classify("chassis control power up", err)
		return []fencing.Reading{d.reading(fencing.ActionOn, fencing.PowerUnknown, err)}, d.wrap("power on", err)
	}
	rs := []fencing.Reading{d.reading(fencing.ActionOn, fencing.PowerUnknown, nil)}
	s, err := d.status(ctx, c)
	rs = append(rs, d.reading(fencing.ActionStatus, s, err))
	return rs, nil
}

func (d *Device) wrap(op string, err error) error {
	return fmt.Errorf("%s %s: %w", op, d.cfg.Name, err)
}

// classify maps a go-ipmi error onto the fencing sentinels, and keeps the
// password out of the message. go-ipmi does not wrap every cause with %w
// (connect joins its attempts with %v), so the message is matched too.
func (d *Device) classify(op string, err error) error {
	msg := scrub(err.Error(), d.cfg.Password)
	lower := strings.ToLower(msg)
	has := func(subs ...string) bool {
		for _, s := range subs {
			if strings.Contains(lower, s) {
				return true
			}
		}
		return false
	}
	var respErr *types.ResponseError
	var netErr net.Error
	switch {
	case errors.Is(err, client.ErrRAKPAuthentication),
		has("rakp authentication failed", "authentication code mismatch", "integrity check value",
			"unauthorized name", "invalid role", "insufficient privilege", "unauthorized role"):
		return fmt.Errorf("%s: %w: %s", op, fencing.ErrAuth, msg)
	case errors.Is(err, syscall.ECONNREFUSED), has("connection refused"):
		return fmt.Errorf("%s: %w: connection refused: %s", op, fencing.ErrUnreachable, msg)
	case errors.Is(err, context.Canceled):
		return fmt.Errorf("%s: %w", op, err)
	case errors.Is(err, context.DeadlineExceeded),
		errors.As(err, &netErr) && netErr.Timeout(),
		has("no datagram matched", "i/o timeout", "deadline exceeded", "timeout"):
		return fmt.Errorf("%s: %w: %w: no answer within %s x %d attempts: %s", op, fencing.ErrUnreachable, fencing.ErrTimeout, d.cfg.Timeout, d.cfg.Retries+1, msg)
	case errors.As(err, &respErr):
		return fmt.Errorf("%s: %w: completion code %#02x: %s", op, fencing.ErrRefused, uint8(respErr.CompletionCode()), msg)
	case has("network is unreachable", "no route to host", "no such host", "udp dial failed", "resolve addr failed"):
		return fmt.Errorf("%s: %w: %s", op, fencing.ErrUnreachable, msg)
	default:
		var opErr *net.OpError
		if errors.As(err, &opErr) {
			return fmt.Errorf("%s: %w: %s", op, fencing.ErrUnreachable, msg)
		}
		return fmt.Errorf("%s: %w: %s", op, fencing.ErrRefused, msg)
	}
}

// scrub removes the password from a message, in case a library quoted it.
func scrub(msg, password string) string {
	if password == "" {
		return msg
	}
	return strings.ReplaceAll(msg, password, "[hidden]")
}
