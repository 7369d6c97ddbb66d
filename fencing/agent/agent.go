package agent

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/lazarus-ha/lazarus/fencing"
	"github.com/lazarus-ha/lazarus/fencing/fenceopt"
)

// DefaultTimeout bounds one agent run.
const DefaultTimeout = 60 * time.Second

// Exit codes of the fence agent API.
const (
	exitOK    = 0
	exitOff   = 2 // action=status: the plug is off
	outputMax = 2048
)

var agentName = regexp.MustCompile(`^fence_[A-Za-z0-9_]+$`)

// Config describes one fence agent device.
type Config struct {
	// Name identifies the device in readings; default
	// "agent:AGENT:IP[:PORT][:PLUG]" built from the options.
	Name string
	// Agent is the agent's name (fence_ipmilan), resolved in PATH and in
	// /usr/sbin, or an absolute path to a file named fence_*.
	Agent string
	// Options are the agent's stdin options (ip, ipport, username,
	// lanplus, cipher, plug, ...). They must not hold action or the
	// password.
	Options map[string]string
	// Password is sent on stdin as password=... and nowhere else.
	Password string
	// Timeout bounds one run of the agent (default 60s).
	Timeout time.Duration
}

// ConfigFrom is the Config of a stored device's settings, as
// fenceopt.ParseAgent mapped them; the caller adds the password and the
// timeout.
func ConfigFrom(a fenceopt.Agent) Config {
	return Config{Agent: a.Agent, Options: a.Options}
}

// String describes the config without its password.
func (c Config) String() string {
	keys := make([]string, 0, len(c.Options))
	for k := range c.Options {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var b strings.Builder
	fmt.Fprintf(&b, "agent{agent=%s", c.Agent)
	for _, k := range keys {
		fmt.Fprintf(&b, " %s=%s", k, c.Options[k])
	}
	b.WriteString(" password=[hidden]}")
	return b.String()
}

// Device runs a fence agent. It implements fencing.Device and is safe for
// concurrent use.
type Device struct {
	cfg  Config
	path string
}

// Validate checks cfg without looking for the agent binary or starting
// any process (New calls it before anything runs): the agent's name, and
// every option against the agent's allow-list in fencing/fenceopt, the
// schema the API checks devices with.
func Validate(cfg Config) error {
	_, err := validate(cfg)
	return err
}

// validate checks cfg and returns its options in fenceopt's normal form.
func validate(cfg Config) (map[string]string, error) {
	base := filepath.Base(cfg.Agent)
	if !agentName.MatchString(base) || (cfg.Agent != base && !filepath.IsAbs(cfg.Agent)) {
		return nil, fmt.Errorf("agent: %q is not a fence agent name (fence_*) or an absolute path to one", cfg.Agent)
	}
	opts, err := fenceopt.NormalizeAgentOptions(cfg.Agent, cfg.Options)
	if err != nil {
		return nil, fmt.Errorf("agent: %w", err)
	}
	if strings.ContainsAny(cfg.Password, "\n\r\x00") {
		return nil, errors.New("agent: password holds a line break or a NUL")
	}
	return opts, nil
}

// New validates cfg and resolves the agent binary. The agent is given its
// options in fenceopt's normal form (lower-case names, switches as 1 or 0).
func New(cfg Config) (*Device, error) {
	opts, err := validate(cfg)
	if err != nil {
		return nil, err
	}
	path := cfg.Agent
	if !filepath.IsAbs(path) {
		p, err := exec.LookPath(path)
		if err != nil {
			p = filepath.Join("/usr/sbin", path)
			if _, serr := os.Stat(p); serr != nil {
				return nil, fmt.Errorf("agent: find %s: %w", cfg.Agent, err)
			}
		}
		path = p
	}
	cfg.Timeout = cmp.Or(cfg.Timeout, DefaultTimeout)
	cfg.Options = opts
	if cfg.Name == "" {
		cfg.Name = defaultName(cfg)
	}
	return &Device{cfg: cfg, path: path}, nil
}

func defaultName(cfg Config) string {
	parts := []string{"agent", filepath.Base(cfg.Agent)}
	for _, k := range []string{"ip", "ipaddr"} {
		if v := cfg.Options[k]; v != "" {
			parts = append(parts, v)
			break
		}
	}
	for _, k := range []string{"ipport", "port", "plug"} {
		if v := cfg.Options[k]; v != "" {
			parts = append(parts, v)
		}
	}
	return strings.Join(parts, ":")
}

// Name returns the device name (never the password).
func (d *Device) Name() string { return d.cfg.Name }

// run executes the agent with action and returns its exit code and the tail
// of its output, scrubbed of the password.
func (d *Device) run(ctx context.Context, action string) (int, string, error) {
	ctx, cancel := context.WithTimeoutCause(ctx, d.cfg.Timeout, fmt.Errorf("%w: agent ran longer than %s", fencing.ErrTimeout, d.cfg.Timeout))
	defer cancel()
	var in bytes.Buffer
	fmt.Fprintf(&in, "action=%s\n", action)
	keys := make([]string, 0, len(d.cfg.Options))
	for k := range d.cfg.Options {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	verbose := false
	for _, k := range keys {
		fmt.Fprintf(&in, "%s=%s\n", k, d.cfg.Options[k])
		verbose = verbose || k == "verbose" || k == "quiet"
	}
	if !verbose {
		in.WriteString("verbose=1\n")
	}
	if d.cfg.Password != "" {
		fmt.Fprintf(&in, "password=%s\n", d.cfg.Password)
	}
	cmd := exec.CommandContext(ctx, d.path)
	cmd.Stdin = &in
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 2 * time.Second
	err := cmd.Run()
	tail := d.tail(out.String())
	if ctx.Err() != nil {
		cause := context.Cause(ctx)
		if errors.Is(cause, context.DeadlineExceeded) {
			cause = fmt.Errorf("%w: %w", fencing.ErrTimeout, cause)
		}
		return -1, tail, fmt.Errorf("%s %s: %w", action, d.cfg.Name, cause)
	}
	var exitErr *exec.ExitError
	if errors.As(err, &exitErr) {
		return exitErr.ExitCode(), tail, nil
	}
	if err != nil {
		return -1, tail, fmt.Errorf("%s %s: run agent: %w", action, d.cfg.Name, err)
	}
	return exitOK, tail, nil
}

// tail keeps the meaningful end of the agent's output: no Python warnings,
// no password.
func (d *Device) tail(s string) string {
	if d.cfg.Password != "" {
		s = strings.ReplaceAll(s, d.cfg.Password, "[hidden]")
	}
	var keep []string
	for _, line := range strings.Split(s, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.Contains(line, "DeprecationWarning") || strings.HasPrefix(line, "from pipes import") {
			continue
		}
		keep = append(keep, line)
	}
	s = strings.Join(keep, " | ")
	if len(s) > outputMax {
		s = "..." + s[len(s)-outputMax:]
	}
	return s
}

// failure turns a failed run into an error wrapping the right sentinel.
func (d *Device) failure(action string, code int, out string) error {
	lower := strings.ToLower(out)
	has := func(subs ...string) bool {
		for _, s := range subs {
			if strings.Contains(lower, s) {
				return true
			}
		}
		return false
	}
	var kind error
	switch {
	case has("timed out waiting to power"):
		// The device answered; the power did not change in time.
		kind = fencing.ErrTimeout
	case has("timed out"):
		kind = fmt.Errorf("%w: %w", fencing.ErrUnreachable, fencing.ErrTimeout)
	case has("unable to establish ipmi v2", "unable to establish lan session", "rakp", "invalid user name",
		"unauthorized name", "authentication failed", "unable to connect/login", "login failed", "invalid credentials"):
		kind = fencing.ErrAuth
	case has("connection refused", "no route to host", "network is unreachable", "unable to connect"):
		kind = fencing.ErrUnreachable
	default:
		kind = fencing.ErrRefused
	}
	return fmt.Errorf("%s %s: %w: agent exited %d: %s", action, d.cfg.Name, kind, code, out)
}

func (d *Device) reading(action string, s fencing.PowerState, err error) fencing.Reading {
	r := fencing.Reading{Time: time.Now(), Device: d.cfg.Name, Action: action, State: s}
	if err != nil {
		r.Err = err.Error()
	}
	return r
}

// status runs action=status.
func (d *Device) status(ctx context.Context) (fencing.PowerState, error) {
	code, out, err := d.run(ctx, "status")
	switch {
	case err != nil:
		return fencing.PowerUnknown, err
	case code == exitOK:
		return fencing.PowerOn, nil
	case code == exitOff:
		return fencing.PowerOff, nil
	default:
		return fencing.PowerUnknown, d.failure("status", code, out)
	}
}

// PowerOff runs action=off, then action=status, and returns nil only when
// the status reads off.
func (d *Device) PowerOff(ctx context.Context) ([]fencing.Reading, error) {
	var rs []fencing.Reading
	code, out, err := d.run(ctx, "off")
	if err == nil && code != exitOK {
		err = d.failure("off", code, out)
	}
	rs = append(rs, d.reading(fencing.ActionOff, fencing.PowerUnknown, err))
	if err != nil {
		return rs, err
	}
	s, err := d.status(ctx)
	rs = append(rs, d.reading(fencing.ActionStatus, s, err))
	if err != nil {
		return rs, err
	}
	if s != fencing.PowerOff {
		err := fmt.Errorf("off %s: %w: agent reported success but status reads %s", d.cfg.Name, fencing.ErrRefused, s)
		rs[len(rs)-1].Err = err.Error()
		return rs, err
	}
	return rs, nil
}

// PowerStatus runs action=status.
func (d *Device) PowerStatus(ctx context.Context) (fencing.PowerState, []fencing.Reading, error) {
	s, err := d.status(ctx)
	return s, []fencing.Reading{d.reading(fencing.ActionStatus, s, err)}, err
}

// PowerOn runs action=on.
func (d *Device) PowerOn(ctx context.Context) ([]fencing.Reading, error) {
	code, out, err := d.run(ctx, "on")
	if err == nil && code != exitOK {
		err = d.failure("on", code, out)
	}
	if err != nil {
		return []fencing.Reading{d.reading(fencing.ActionOn, fencing.PowerUnknown, err)}, err
	}
	return []fencing.Reading{d.reading(fencing.ActionOn, fencing.PowerOn, nil)}, nil
}

// Monitor runs action=monitor: the device answers and accepts the
// credentials.
func (d *Device) Monitor(ctx context.Context) error {
	code, out, err := d.run(ctx, "monitor")
	if err != nil {
		return err
	}
	if code != exitOK {
		return d.failure("monitor", code, out)
	}
	return nil
}
