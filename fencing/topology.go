package fencing

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"
)

// ErrNoDevices means a host has no fence level at all: nothing can prove
// it off.
var ErrNoDevices = errors.New("no fence devices configured")

// Level is one step of a host's fence topology: every device must read back
// off for the level to succeed. A manual level has no devices; reaching it
// stops fencing until an operator confirms the host off.
type Level struct {
	Devices []Device
	Manual  bool
	// Number is the level as the operator configured it (fence device
	// "level"), reported in results and readings; 0 means its 1-based
	// position in Topology.Levels.
	Number int
}

// number is the level's reported number.
func (l Level) number(i int) int {
	if l.Number > 0 {
		return l.Number
	}
	return i + 1
}

// Topology is a host's fence levels, tried in order.
type Topology struct {
	Host   string
	Levels []Level
}

// Fence switches the host off through the first level whose devices all
// read back power off. A failing level falls through to the next; a manual
// level ends with an error wrapping ErrManualConfirmationRequired and the
// evidence so far. When the context ends no further level is tried. The
// result carries every reading, with its level, whatever the outcome.
func (t *Topology) Fence(ctx context.Context) (Result, error) {
	start := time.Now()
	var res Result
	defer func() { res.Duration = time.Since(start) }()
	if len(t.Levels) == 0 {
		return res, fmt.Errorf("fence %s: %w", t.Host, ErrNoDevices)
	}
	var errs []error
	for i, lvl := range t.Levels {
		n := lvl.number(i)
		if err := ctxErr(ctx); err != nil {
			errs = append(errs, fmt.Errorf("fence %s: stopped before level %d: %w", t.Host, n, err))
			res.Duration = time.Since(start)
			return res, errors.Join(errs...)
		}
		if lvl.Manual {
			res.Manual = true
			res.Level = n
			res.Readings = append(res.Readings, Reading{Time: time.Now(), Device: "manual", Level: n, Action: ActionManual})
			errs = append(errs, fmt.Errorf("fence %s: level %d: %w", t.Host, n, ErrManualConfirmationRequired))
			res.Duration = time.Since(start)
			return res, errors.Join(errs...)
		}
		readings, err := offLevel(ctx, n, lvl)
		res.Readings = append(res.Readings, readings...)
		if err == nil {
			res.Verified = true
			res.Level = n
			res.Duration = time.Since(start)
			return res, nil
		}
		errs = append(errs, fmt.Errorf("fence %s: level %d: %w", t.Host, n, err))
	}
	if err := ctxErr(ctx); err != nil {
		errs = append(errs, fmt.Errorf("fence %s: %w", t.Host, err))
	}
	res.Duration = time.Since(start)
	return res, errors.Join(errs...)
}

// offLevel powers off every device of a level at once (so a host fed by two
// PDUs loses both feeds together) and succeeds only if each one read back
// off.
func offLevel(ctx context.Context, n int, lvl Level) ([]Reading, error) {
	if len(lvl.Devices) == 0 {
		return nil, errors.New("level has no devices")
	}
	type out struct {
		readings []Reading
		err      error
	}
	outs := make([]out, len(lvl.Devices))
	var wg sync.WaitGroup
	for i, d := range lvl.Devices {
		wg.Go(func() {
			rs, err := d.PowerOff(ctx)
			if err == nil && !readOff(rs) {
				// Belt and braces: the contract says PowerOff returns nil
				// only after reading off. A driver that breaks it must not
				// let an evacuation through.
				err = fmt.Errorf("%w: device %s reported success without reading back power off", ErrRefused, d.Name())
			} else if err != nil {
				err = fmt.Errorf("device %s: %w", d.Name(), err)
			}
			outs[i] = out{readings: stamp(rs, n), err: err}
		})
	}
	wg.Wait()
	var all []Reading
	var errs []error
	for _, o := range outs {
		all = append(all, o.readings...)
		if o.err != nil {
			errs = append(errs, o.err)
		}
	}
	slices.SortStableFunc(all, func(a, b Reading) int { return a.Time.Compare(b.Time) })
	return all, errors.Join(errs...)
}

// readOff reports whether the readings end with the device reading power
// off.
func readOff(rs []Reading) bool {
	for i := len(rs) - 1; i >= 0; i-- {
		if rs[i].Err != "" || rs[i].State == PowerUnknown {
			continue
		}
		return rs[i].State == PowerOff
	}
	return false
}

// PowerStatus reads the host's power through the first level whose devices
// all answer: off only if every device of that level reads off, on if any
// reads on. Manual levels are skipped.
func (t *Topology) PowerStatus(ctx context.Context) (PowerState, []Reading, error) {
	var all []Reading
	var errs []error
	for i, lvl := range t.Levels {
		n := lvl.number(i)
		if lvl.Manual || len(lvl.Devices) == 0 {
			continue
		}
		if err := ctxErr(ctx); err != nil {
			errs = append(errs, fmt.Errorf("power status %s: %w", t.Host, err))
			break
		}
		state := PowerOff
		var lerr []error
		for _, d := range lvl.Devices {
			s, rs, err := d.PowerStatus(ctx)
			all = append(all, stamp(rs, n)...)
			if err != nil {
				lerr = append(lerr, fmt.Errorf("device %s: %w", d.Name(), err))
				continue
			}
			if s != PowerOff {
				state = s
			}
		}
		if len(lerr) == 0 {
			return state, all, nil
		}
		errs = append(errs, fmt.Errorf("power status %s: level %d: %w", t.Host, n, errors.Join(lerr...)))
	}
	if len(errs) == 0 {
		return PowerUnknown, all, fmt.Errorf("power status %s: %w", t.Host, ErrNoDevices)
	}
	return PowerUnknown, all, errors.Join(errs...)
}

// PowerOn switches the host on through the first non-manual level whose
// devices all succeed.
func (t *Topology) PowerOn(ctx context.Context) ([]Reading, error) {
	var all []Reading
	var errs []error
	for i, lvl := range t.Levels {
		n := lvl.number(i)
		if lvl.Manual || len(lvl.Devices) == 0 {
			continue
		}
		if err := ctxErr(ctx); err != nil {
			errs = append(errs, fmt.Errorf("power on %s: %w", t.Host, err))
			break
		}
		var lerr []error
		for _, d := range lvl.Devices {
			rs, err := d.PowerOn(ctx)
			all = append(all, stamp(rs, n)...)
			if err != nil {
				lerr = append(lerr, fmt.Errorf("device %s: %w", d.Name(), err))
			}
		}
		if len(lerr) == 0 {
			return all, nil
		}
		errs = append(errs, fmt.Errorf("power on %s: level %d: %w", t.Host, n, errors.Join(lerr...)))
	}
	if len(errs) == 0 {
		return all, fmt.Errorf("power on %s: %w", t.Host, ErrNoDevices)
	}
	return all, errors.Join(errs...)
}

// stamp sets the level on readings a device returned.
func stamp(rs []Reading, level int) []Reading {
	out := make([]Reading, len(rs))
	for i, r := range rs {
		r.Level = level
		out[i] = r
	}
	return out
}

// ctxErr returns nil while ctx is live, otherwise its error, which also
// wraps ErrTimeout when the deadline passed.
func ctxErr(ctx context.Context) error {
	err := ctx.Err()
	switch {
	case err == nil:
		return nil
	case errors.Is(err, context.DeadlineExceeded):
		if cause := context.Cause(ctx); cause != nil && !errors.Is(cause, err) {
			return fmt.Errorf("%w: %w (%v)", ErrTimeout, err, cause)
		}
		return fmt.Errorf("%w: %w", ErrTimeout, err)
	default:
		if cause := context.Cause(ctx); cause != nil && !errors.Is(cause, err) {
			return fmt.Errorf("%w (%v)", err, cause)
		}
		return err
	}
}
