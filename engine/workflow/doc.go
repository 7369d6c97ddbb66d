// Package workflow is the engine's durable workflow runner.
//
// # Overview
//
// A Runner turns notifications in status new into recoveries (one
// transaction: the notification becomes running, its recovery row is
// created, a second host failure of the same host merges into the active
// one) and runs due recoveries under a lease. New work is announced with
// pg_notify on store.ChannelNotification (after the insert commits, many
// inserts to one NOTIFY; every NOTIFY makes the runner look for work once
// more, and wake-ups that arrive while it looks fold into one); a poll
// every PollInterval covers
// lost wake-ups and held or deferred recoveries that come due.
//
// # State model
//
//	         claim (epoch+1)            Finish
//	pending ───────────────► running ───────────► done
//	   ▲  ▲                   │  │ │
//	   │  └──── Defer ────────┘  │ └─ lease expires (engine died) ─► claimable again
//	   │                         │
//	   └── recheck ◄── held ◄────┘ Hold (fencing failed, storm brake)
//
// # Failure handling
//
// A claim bumps the lease epoch. Every checkpoint (Job.Tx) locks the
// recovery row and checks owner and epoch in the transaction that writes
// the journal, so a paused ex-owner can no longer record; flows also call
// Job.Valid right before each side effect, which refuses once the local
// trusted window (last renewal + TTL − TTL/5) has passed. When a renewal
// finds the lease gone, or the database stays unreachable past the trusted
// window, the job's context is cancelled with store.ErrLeaseLost. A dead
// engine's recoveries are claimable once their lease expires (LeaseTTL,
// 15 s by default), and their flows resume from the journal. Stop gives
// leases back at once, so a rolling restart costs no TTL.
package workflow
