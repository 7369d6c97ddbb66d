package fencingtest

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/lazarus-ha/lazarus/fencing"
)

// Fake is a fencing.Device held in memory. The zero value is not usable;
// call NewFake. It is safe for concurrent use.
type Fake struct {
	name string

	mu      sync.Mutex
	state   fencing.PowerState
	calls   []string
	fail    map[string]error
	hang    map[string]bool
	lieOff  bool
	stayOn  bool
	offHook func()
}

// NewFake returns a device called name whose host is in state.
func NewFake(name string, state fencing.PowerState) *Fake {
	return &Fake{name: name, state: state, fail: map[string]error{}, hang: map[string]bool{}}
}

// Name returns the name given to NewFake.
func (f *Fake) Name() string { return f.name }

// Fail makes every later call of action (fencing.ActionOff, ActionStatus,
// ActionOn) return err; a nil err clears it.
func (f *Fake) Fail(action string, err error) *Fake {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err == nil {
		delete(f.fail, action)
	} else {
		f.fail[action] = err
	}
	return f
}

// Hang makes every later call of action block until its context ends, as an
// unresponsive BMC would.
func (f *Fake) Hang(action string) *Fake {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.hang[action] = true
	return f
}

// LieOff makes PowerOff return success without a power-off reading and
// without changing the state: a driver that breaks the contract.
func (f *Fake) LieOff() *Fake {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.lieOff = true
	return f
}

// StayOn makes PowerOff accept the command but the host never go off, so
// PowerOff waits for its context and fails with fencing.ErrTimeout.
func (f *Fake) StayOn() *Fake {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.stayOn = true
	return f
}

// OnPowerOff sets fn to run (outside the lock) each time PowerOff switches
// the host off.
func (f *Fake) OnPowerOff(fn func()) *Fake {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.offHook = fn
	return f
}

// SetState sets the host's power without recording a call.
func (f *Fake) SetState(s fencing.PowerState) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.state = s
}

// State returns the host's power.
func (f *Fake) State() fencing.PowerState {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.state
}

// Calls returns the actions called so far, in order ("off", "status", "on").
func (f *Fake) Calls() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.calls...)
}

// begin records a call and applies Fail and Hang.
func (f *Fake) begin(ctx context.Context, action string) error {
	f.mu.Lock()
	f.calls = append(f.calls, action)
	err, hang := f.fail[action], f.hang[action]
	f.mu.Unlock()
	if hang {
		<-ctx.Done()
		return fmt.Errorf("%s %s: %w: %w", action, f.name, fencing.ErrTimeout, ctx.Err())
	}
	if err != nil {
		return fmt.Errorf("%s %s: %w", action, f.name, err)
	}
	return nil
}

func (f *Fake) reading(action string, s fencing.PowerState, err error) fencing.Reading {
	r := fencing.Reading{Time: time.Now(), Device: f.name, Action: action, State: s}
	if err != nil {
		r.Err = err.Error()
	}
	return r
}

// PowerOff switches the fake host off and reads it back.
func (f *Fake) PowerOff(ctx context.Context) ([]fencing.Reading, error) {
	if err := f.begin(ctx, fencing.ActionOff); err != nil {
		return []fencing.Reading{f.reading(fencing.ActionOff, fencing.PowerUnknown, err)}, err
	}
	f.mu.Lock()
	lie, stay, hook := f.lieOff, f.stayOn, f.offHook
	if !lie && !stay {
		f.state = fencing.PowerOff
	}
	f.mu.Unlock()
	if lie {
		return []fencing.Reading{f.reading(fencing.ActionOff, fencing.PowerUnknown, nil)}, nil
	}
	if stay {
		<-ctx.Done()
		err := fmt.Errorf("off %s: %w: power still on: %w", f.name, fencing.ErrTimeout, ctx.Err())
		return []fencing.Reading{
			f.reading(fencing.ActionOff, fencing.PowerUnknown, nil),
			f.reading(fencing.ActionStatus, fencing.PowerOn, err),
		}, err
	}
	if hook != nil {
		hook()
	}
	return []fencing.Reading{
		f.reading(fencing.ActionOff, fencing.PowerUnknown, nil),
		f.reading(fencing.ActionStatus, fencing.PowerOff, nil),
	}, nil
}

// PowerStatus reads the fake host's power.
func (f *Fake) PowerStatus(ctx context.Context) (fencing.PowerState, []fencing.Reading, error) {
	if err := f.begin(ctx, fencing.ActionStatus); err != nil {
		return fencing.PowerUnknown, []fencing.Reading{f.reading(fencing.ActionStatus, fencing.PowerUnknown, err)}, err
	}
	s := f.State()
	return s, []fencing.Reading{f.reading(fencing.ActionStatus, s, nil)}, nil
}

// PowerOn switches the fake host on.
func (f *Fake) PowerOn(ctx context.Context) ([]fencing.Reading, error) {
	if err := f.begin(ctx, fencing.ActionOn); err != nil {
		return []fencing.Reading{f.reading(fencing.ActionOn, fencing.PowerUnknown, err)}, err
	}
	f.SetState(fencing.PowerOn)
	return []fencing.Reading{f.reading(fencing.ActionOn, fencing.PowerOn, nil)}, nil
}
