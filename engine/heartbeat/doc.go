// Package heartbeat is the engine's view of the host monitors: it consumes
// their heartbeats and implements the self-check that keeps an engine which
// hears (almost) nobody from fencing (DESIGN.md invariant 4: it may be the
// isolated one).
//
// # Overview
//
// Host monitors publish a small heartbeat (monitors/event.Heartbeat) every
// [hostmonitor] heartbeat_interval to the classic, non-durable queue
// <notification_queue>.heartbeats, declared by both sides with
// wire.HeartbeatQueueArgs (messages expire after a minute, the queue is
// bounded). Every engine replica consumes it; each heartbeat reaches one
// of them, and all share the table monitor_heartbeats.
//
// The Consumer keeps the latest heartbeat per host in memory and writes
// them in one batched upsert per FlushInterval (1s by default), so 1,000
// hosts beating every 10s cost one small statement a second. last_seen is
// the database's clock.
//
// Check is a brake.SelfCheck: among the monitors heard from within
// [engine] monitor_known_window, if more than monitor_max_silent_ratio were
// not heard from within monitor_stale_after, it fails with the counts, and
// the host flow holds instead of fencing until heartbeats return. With no
// monitor known at all (monitors post through the API, or none are
// deployed) it passes: absence of heartbeats is then no evidence.
package heartbeat
