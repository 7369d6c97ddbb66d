// Package store is Lazarus's PostgreSQL access layer (pgx/v5).
//
// Methods are named Noun+Verb (SegmentInsert, HostGetByUUID,
// NotificationInsert) and take a params struct where they take more than an
// id. Lookups that find nothing return ErrNotFound; writes that would break
// a uniqueness or in-use rule return ErrConflict (wrapped, so callers use
// errors.Is and the message still says which rule). Only the api package
// turns these into HTTP status codes.
//
// The API and the engine meet here: the API inserts a notification (status
// new) and, once it is committed, wakes the engines with pg_notify on
// ChannelNotification, batched (see waker: a NOTIFY inside the inserting
// transaction would serialize all inserts behind one lock); engines also
// poll, so a lost wake-up costs at most one poll interval.
package store
