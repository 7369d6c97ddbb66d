package recovery

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// ChangedServerLister is a Compute that lists the servers on a host that
// changed at or after a time (Nova's changes-since, all tenants, every
// page; deleted servers included). With it, the confirm polls of one
// recovery's instances are gathered into rounds (confirmReads).
type ChangedServerLister interface {
	ServersOnHostSince(ctx context.Context, host string, since time.Time) ([]Server, error)
}

// changesSinceSkew is how far before the recovery's creation a round's
// lists start: an evacuated instance changes after that even when Nova's
// clock is behind the engine's by less than this. One further behind is
// simply missing from the lists and read on its own.
const changesSinceSkew = time.Minute

// maxRoundReads bounds the single-server reads one round makes at once.
const maxRoundReads = 8

// confirmReads gathers the confirm polls of one recovery's instances into
// rounds. While two or more of its instances are being confirmed, a poll
// joins the round gathering polls (started by the first poll since the
// last round, which waits gather() for the others), and a round
// lists, once each, the failed host and every target it names, with
// changes-since the recovery began: those lists hold exactly the
// instances Nova has touched since, in fewer calls than one GET per
// instance. An instance in no list (Nova's clock far behind, or the
// instance deleted) is read on its own, as a lone poll always is.
//
// Every reading a round hands out was taken after the poll joined it, so
// each is as fresh as the GET it replaces, and confirm decides on it
// exactly as it did on that GET.
type confirmReads struct {
	ev     *evacuation
	lister ChangedServerLister // nil: every poll is a GET

	mu      sync.Mutex
	polling int           // instances in confirm
	next    *confirmRound // the round gathering polls; nil when none
	warned  bool          // a failed list was logged
}

// confirmRound is one round: the polls it serves (instance → target) and,
// once done is closed, their readings.
type confirmRound struct {
	want map[string]string
	done chan struct{}
	got  map[string]readResult
}

type readResult struct {
	srv Server
	err error
}

func newConfirmReads(ev *evacuation) *confirmReads {
	cr := &confirmReads{ev: ev}
	cr.lister, _ = ev.fl.compute.(ChangedServerLister)
	return cr
}

// gather is how long the first poll of a round waits for the others: a
// quarter of verify_interval, at most 200 ms.
func (cr *confirmReads) gather() time.Duration {
	return min(cr.ev.fl.cfg.VerifyInterval/4, 200*time.Millisecond)
}

// enter and leave bracket one instance's confirmation.
func (cr *confirmReads) enter() {
	cr.mu.Lock()
	cr.polling++
	cr.mu.Unlock()
}

func (cr *confirmReads) leave() {
	cr.mu.Lock()
	cr.polling--
	cr.mu.Unlock()
}

// read returns a reading of the instance taken after read was called, as
// GET /servers/{id} would (an error wrapping ErrNotFound when it is gone).
// target is the host it is being evacuated to.
func (cr *confirmReads) read(ctx context.Context, id, target string) (Server, error) {
	cr.mu.Lock()
	if cr.lister == nil || cr.polling < 2 {
		cr.mu.Unlock()
		return cr.ev.fl.compute.Server(ctx, id)
	}
	r, lead := cr.next, false
	if r == nil {
		r, lead = &confirmRound{want: map[string]string{}, done: make(chan struct{})}, true
		cr.next = r
	}
	r.want[id] = target
	cr.mu.Unlock()
	if lead {
		// The first poll runs the round itself, in its own goroutine
		// (no goroutine outlives the polls): the instances of one
		// recovery share ctx, so the round ends with theirs.
		cr.run(ctx, r)
	}
	select {
	case <-r.done:
	case <-ctx.Done():
		return Server{}, context.Cause(ctx)
	}
	res, ok := r.got[id]
	if !ok {
		// Only a round ended by ctx leaves a poll without a reading.
		if err := context.Cause(ctx); err != nil {
			return Server{}, err
		}
		return Server{}, fmt.Errorf("confirm round ended without a reading of server %s", id)
	}
	return res.srv, res.err
}

// run waits for the round's polls to gather, closes it to new ones, reads
// the hosts it names and then, one by one, the instances no list showed.
func (cr *confirmReads) run(ctx context.Context, r *confirmRound) {
	defer close(r.done)
	r.got = map[string]readResult{}
	t := time.NewTimer(cr.gather())
	select {
	case <-t.C:
	case <-ctx.Done():
		t.Stop()
	}
	cr.mu.Lock()
	cr.next = nil
	cr.mu.Unlock()
	if ctx.Err() != nil {
		return
	}
	failed := cr.ev.job.Recovery.HostName
	hosts := map[string]bool{failed: true}
	for _, target := range r.want {
		if target != "" {
			hosts[target] = true
		}
	}
	since := cr.ev.job.Recovery.CreatedAt.Add(-changesSinceSkew)
	var mu sync.Mutex
	var wg sync.WaitGroup
	for h := range hosts {
		wg.Go(func() {
			servers, err := cr.lister.ServersOnHostSince(ctx, h, since)
			if err != nil {
				// Its instances are read one by one below; said once.
				cr.mu.Lock()
				warn := !cr.warned && ctx.Err() == nil
				cr.warned = true
				cr.mu.Unlock()
				if warn {
					cr.ev.job.Log.WarnContext(ctx, "cannot list a host's changed servers; confirming its instances one GET each", "host", h, "err", err)
				}
				return
			}
			mu.Lock()
			defer mu.Unlock()
			for _, s := range servers {
				if _, wanted := r.want[s.ID]; !wanted || s.VMState == "deleted" || s.Status == "DELETED" {
					continue
				}
				// Listed twice (it moved between the two lists): an
				// instance only ever moves off the failed host, so the
				// reading elsewhere is the later one.
				if prev, seen := r.got[s.ID]; seen && prev.srv.Host != failed {
					continue
				}
				r.got[s.ID] = readResult{srv: s}
			}
		})
	}
	wg.Wait()
	var missing []string
	for id := range r.want {
		if _, ok := r.got[id]; !ok {
			missing = append(missing, id)
		}
	}
	sem := make(chan struct{}, maxRoundReads)
	for _, id := range missing {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			srv, err := cr.ev.fl.compute.Server(ctx, id)
			mu.Lock()
			r.got[id] = readResult{srv: srv, err: err}
			mu.Unlock()
		})
	}
	wg.Wait()
}
