package fencewire

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/lazarus-ha/lazarus/cmd/internal/config"
	"github.com/lazarus-ha/lazarus/fencing"
	"github.com/lazarus-ha/lazarus/fencing/agent"
	"github.com/lazarus-ha/lazarus/fencing/fenceopt"
	"github.com/lazarus-ha/lazarus/fencing/ipmi"
	"github.com/lazarus-ha/lazarus/fencing/secret"
	"github.com/lazarus-ha/lazarus/store"
)

// Drivers a stored device may have.
const (
	DriverIPMI   = fenceopt.DriverIPMI
	DriverAgent  = fenceopt.DriverAgent
	DriverManual = fenceopt.DriverManual
)

// Config holds the [fencing] options the devices use.
type Config struct {
	PowerOffTimeout   time.Duration
	PollInterval      time.Duration
	IPMITimeout       time.Duration
	IPMIRetries       int
	AgentTimeout      time.Duration
	ReadinessInterval time.Duration
}

// ConfigFrom takes the options of the [fencing] section.
func ConfigFrom(c config.Fencing) Config {
	return Config{
		PowerOffTimeout:   c.PowerOffTimeout,
		PollInterval:      c.PollInterval,
		IPMITimeout:       c.IPMITimeout,
		IPMIRetries:       c.IPMIRetries,
		AgentTimeout:      c.AgentTimeout,
		ReadinessInterval: c.ReadinessInterval,
	}
}

// DeviceStore is what fencewire reads and writes; *store.Store satisfies it.
type DeviceStore interface {
	FenceDeviceListByHostName(ctx context.Context, hostName string) ([]*store.FenceDevice, error)
	FenceDeviceListAll(ctx context.Context) ([]*store.FenceDevice, error)
	FenceDeviceSetReadiness(ctx context.Context, p *store.FenceDeviceSetReadinessParams) (bool, error)
	FenceHostNames(ctx context.Context) ([]string, error)
}

// HostFencer fences hosts by name through their stored topology.
type HostFencer struct {
	st  DeviceStore
	box *secret.Box
	cfg Config
	log *slog.Logger
}

// New returns a HostFencer. box may be nil when no key file is configured;
// devices with a password then fail to build.
func New(st DeviceStore, box *secret.Box, cfg Config, log *slog.Logger) *HostFencer {
	return &HostFencer{st: st, box: box, cfg: cfg, log: log.With("component", "fencewire")}
}

// Topology builds the host's topology from its stored devices. A host
// without devices gets an empty topology (Fence then fails with
// fencing.ErrNoDevices).
func (f *HostFencer) Topology(ctx context.Context, hostName string) (*fencing.Topology, error) {
	devs, err := f.st.FenceDeviceListByHostName(ctx, hostName)
	if err != nil {
		return nil, fmt.Errorf("load fence devices of %s: %w", hostName, err)
	}
	return BuildTopology(hostName, devs, f.box, f.cfg), nil
}

// BuildTopology groups devices by ascending level. A manual device makes
// its level manual. A device that cannot be built (bad options, password
// that does not decrypt) stays in its level as a device that always fails,
// so the level falls through with the reason in the evidence.
func BuildTopology(hostName string, devs []*store.FenceDevice, box *secret.Box, cfg Config) *fencing.Topology {
	sorted := slices.Clone(devs)
	slices.SortStableFunc(sorted, func(a, b *store.FenceDevice) int { return cmp.Compare(a.Level, b.Level) })
	t := &fencing.Topology{Host: hostName}
	last := -1
	for _, d := range sorted {
		if d.Level != last {
			t.Levels = append(t.Levels, fencing.Level{Number: d.Level})
			last = d.Level
		}
		lvl := &t.Levels[len(t.Levels)-1]
		if d.Driver == DriverManual {
			lvl.Manual = true
			continue
		}
		dev, err := BuildDevice(d, box, cfg)
		if err != nil {
			dev = brokenDevice{name: deviceName(d), err: err}
		}
		lvl.Devices = append(lvl.Devices, dev)
	}
	// A level that is manual waits for the operator whatever else it holds.
	for i := range t.Levels {
		if t.Levels[i].Manual {
			t.Levels[i].Devices = nil
		}
	}
	return t
}

func deviceName(d *store.FenceDevice) string {
	return fmt.Sprintf("%s:%s", d.Driver, d.UUID)
}

// BuildDevice makes the driver's device for a stored one (not for manual).
// The stored fields and options are mapped by fencing/fenceopt, the schema
// the API validated them with.
func BuildDevice(d *store.FenceDevice, box *secret.Box, cfg Config) (fencing.Device, error) {
	password, err := Password(d, box)
	if err != nil {
		return nil, err
	}
	switch d.Driver {
	case DriverIPMI:
		o, err := fenceopt.ParseIPMI(schemaDevice(d))
		if err != nil {
			return nil, fmt.Errorf("fence device %s: %w", d.UUID, err)
		}
		c := ipmi.ConfigFrom(o)
		c.Name = fmt.Sprintf("ipmi:%s:%d", o.Address, o.Port)
		c.Password = password
		c.Timeout, c.Retries = cfg.IPMITimeout, cfg.IPMIRetries
		c.PollInterval, c.PowerOffTimeout = cfg.PollInterval, cfg.PowerOffTimeout
		return ipmi.New(c)
	case DriverAgent:
		o, err := fenceopt.ParseAgent(schemaDevice(d))
		if err != nil {
			return nil, fmt.Errorf("fence device %s: %w", d.UUID, err)
		}
		c := agent.ConfigFrom(o)
		c.Password = password
		c.Timeout = cfg.AgentTimeout
		return agent.New(c)
	default:
		return nil, fmt.Errorf("fence device %s: driver %q cannot switch power", d.UUID, d.Driver)
	}
}

// schemaDevice is a stored device as fenceopt reads it.
func schemaDevice(d *store.FenceDevice) fenceopt.Device {
	return fenceopt.Device{Driver: d.Driver, Agent: d.Agent, Address: d.Address, Port: d.Port, Username: d.Username, Options: d.Options}
}

// Password decrypts a stored device's password (empty when none).
func Password(d *store.FenceDevice, box *secret.Box) (string, error) {
	if len(d.PasswordEncrypted) == 0 {
		return "", nil
	}
	if box == nil {
		return "", fmt.Errorf("fence device %s: its password is encrypted but no [fencing] secret_key_file is loaded", d.UUID)
	}
	pw, err := box.Open(d.PasswordEncrypted, []byte(d.HostUUID))
	if err != nil {
		return "", fmt.Errorf("fence device %s: %w", d.UUID, err)
	}
	return string(pw), nil
}

// brokenDevice stands for a stored device that could not be built: every
// call fails with the reason.
type brokenDevice struct {
	name string
	err  error
}

func (b brokenDevice) Name() string { return b.name }

func (b brokenDevice) fail(action string) ([]fencing.Reading, error) {
	err := fmt.Errorf("%w: %w", fencing.ErrRefused, b.err)
	return []fencing.Reading{{Time: time.Now(), Device: b.name, Action: action, Err: err.Error()}}, err
}

func (b brokenDevice) PowerOff(context.Context) ([]fencing.Reading, error) {
	return b.fail(fencing.ActionOff)
}

func (b brokenDevice) PowerStatus(context.Context) (fencing.PowerState, []fencing.Reading, error) {
	rs, err := b.fail(fencing.ActionStatus)
	return fencing.PowerUnknown, rs, err
}

func (b brokenDevice) PowerOn(context.Context) ([]fencing.Reading, error) {
	return b.fail(fencing.ActionOn)
}

// Fence fences the host through its stored topology.
func (f *HostFencer) Fence(ctx context.Context, hostName string) (fencing.Result, error) {
	log := f.log.With("host", hostName)
	topo, err := f.Topology(ctx, hostName)
	if err != nil {
		return fencing.Result{}, err
	}
	res, err := topo.Fence(ctx)
	switch {
	case err == nil:
		log.InfoContext(ctx, "host fenced", "level", res.Level, "duration", res.Duration)
	case errors.Is(err, fencing.ErrManualConfirmationRequired):
		log.WarnContext(ctx, "fencing waits for an operator's confirmation", "level", res.Level, "err", err)
	default:
		log.ErrorContext(ctx, "fencing failed at every level", "duration", res.Duration, "err", err)
	}
	return res, err
}

// PowerStatus reads the host's power through its stored topology.
func (f *HostFencer) PowerStatus(ctx context.Context, hostName string) (fencing.PowerState, []fencing.Reading, error) {
	topo, err := f.Topology(ctx, hostName)
	if err != nil {
		return fencing.PowerUnknown, nil, err
	}
	return topo.PowerStatus(ctx)
}
