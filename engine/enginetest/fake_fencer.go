package enginetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/lazarus-ha/lazarus/engine/recovery"
)

// ErrFenceFailed is what FakeFencer returns for a host set to fail.
var ErrFenceFailed = errors.New("fake: every fence level failed")

// FakeFencer powers fake hosts off. Hosts start powered on; a host marked
// Dark has an unreachable BMC (status unknown, fencing fails).
type FakeFencer struct {
	mu     sync.Mutex
	power  map[string]recovery.PowerState
	dark   map[string]bool
	fences []string
	// OnFence, if set, runs when a host is fenced successfully.
	OnFence func(host string)
}

// NewFakeFencer returns a fencer with every host powered on.
func NewFakeFencer() *FakeFencer {
	return &FakeFencer{power: map[string]recovery.PowerState{}, dark: map[string]bool{}}
}

// SetDark makes host's BMC unreachable (or reachable again).
func (f *FakeFencer) SetDark(host string, dark bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.dark[host] = dark
}

// SetPower sets a host's power.
func (f *FakeFencer) SetPower(host string, p recovery.PowerState) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.power[host] = p
}

// Power returns a host's power.
func (f *FakeFencer) Power(host string) recovery.PowerState {
	f.mu.Lock()
	defer f.mu.Unlock()
	if p, ok := f.power[host]; ok {
		return p
	}
	return recovery.PowerOn
}

// Fences returns every Fence call's host, in order.
func (f *FakeFencer) Fences() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.fences)
}

// Fence implements recovery.Fencer.
func (f *FakeFencer) Fence(_ context.Context, host string) (recovery.FenceResult, error) {
	f.mu.Lock()
	f.fences = append(f.fences, host)
	if f.dark[host] {
		f.mu.Unlock()
		return recovery.FenceResult{}, fmt.Errorf("fence %s: %w", host, ErrFenceFailed)
	}
	f.power[host] = recovery.PowerOff
	hook := f.OnFence
	f.mu.Unlock()
	if hook != nil {
		hook(host)
	}
	return recovery.FenceResult{Verified: true, Level: 1, Evidence: map[string]any{"device": "fake-" + host, "state": "off", "time": time.Now()}}, nil
}

// PowerStatus implements recovery.Fencer.
func (f *FakeFencer) PowerStatus(_ context.Context, host string) (recovery.PowerState, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.dark[host] {
		return recovery.PowerUnknown, fmt.Errorf("status %s: %w", host, ErrFenceFailed)
	}
	if p, ok := f.power[host]; ok {
		return p, nil
	}
	return recovery.PowerOn, nil
}

// FakeConfirmer records operator fence confirmations.
type FakeConfirmer struct {
	mu sync.Mutex
	at map[string]time.Time
}

// Confirm records that an operator confirmed hostUUID off now.
func (c *FakeConfirmer) Confirm(hostUUID string) { c.ConfirmAt(hostUUID, time.Now()) }

// ConfirmAt records an operator's confirmation of hostUUID given at t.
func (c *FakeConfirmer) ConfirmAt(hostUUID string, t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.at == nil {
		c.at = map[string]time.Time{}
	}
	c.at[hostUUID] = t
}

// FenceConfirmedSince implements recovery.FenceConfirmer.
func (c *FakeConfirmer) FenceConfirmedSince(_ context.Context, hostUUID string, since time.Time) (bool, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	t, ok := c.at[hostUUID]
	return ok && !t.Before(since), nil
}
