package store

import (
	"context"
	"sync"
	"time"
)

// waker batches the engines' wake-ups. A NOTIFY inside the inserting
// transaction would serialize every insert: PostgreSQL holds one
// database-wide lock from a notifying transaction's pre-commit until its
// commit record is flushed, so notifying inserts cannot share a WAL flush
// (group commit) and queue behind each other's fsync. Instead one
// goroutine sends NOTIFY after the commits, at most one at a time: every
// insert that commits while one is being sent is covered by the next.
//
// A wake-up lost in a crash between the commit and the NOTIFY costs a
// delay, never a notification: engines also poll ([engine] poll_interval).
type waker struct {
	mu      sync.Mutex
	sending bool
	pending string // payload of the next NOTIFY ("" = none due)
}

// wakeTimeout bounds one NOTIFY.
const wakeTimeout = 5 * time.Second

// wakeEngines announces a committed notification on ChannelNotification.
// It does not wait: the NOTIFY goes out from a goroutine, with the latest
// id as its payload (engines only take it as a cue to look for work).
func (s *Store) wakeEngines(id string) {
	w := &s.wake
	w.mu.Lock()
	w.pending = id
	if w.sending {
		w.mu.Unlock()
		return
	}
	w.sending = true
	w.mu.Unlock()
	go func() {
		for {
			w.mu.Lock()
			id := w.pending
			w.pending = ""
			if id == "" {
				w.sending = false
				w.mu.Unlock()
				return
			}
			w.mu.Unlock()
			ctx, cancel := context.WithTimeout(context.Background(), wakeTimeout)
			// An error (pool closed, database restarting) is left to the
			// engines' polling.
			_, _ = s.pool.Exec(ctx, `SELECT pg_notify($1, $2)`, ChannelNotification, id)
			cancel()
		}
	}()
}
