// Package bolt is the embedded state.Store: one bbolt file (by convention
// DATA/.fedstore/state.db) holding every key with its revision, and the
// store-wide revision, which survives restarts. Watch history is kept in
// memory only: after a reopen, watches can start at the current revision + 1
// (or 0); older revisions answer state.ErrCompacted.
//
// Writes are serialised and fsynced by bbolt before Put/Delete return. Slow
// watchers never block writers (see internal/state/internal/watchhub).
// It imports internal/state only.
package bolt
