// Package watchhub fans out state.Events from an in-process store (memory,
// bolt) to watchers, with a bounded history of recent events for replay.
//
// Slow watchers: every watcher has a private queue of at most QueueLimit
// pending events. Publishing never blocks; when a watcher's queue is full its
// watch ends (the channel is closed while the watcher's context is still
// live), and the consumer must reload with List and watch again from the
// revision List returned. History older than HistorySize events answers
// Watch with state.ErrCompacted.
//
// It imports only internal/state and must not import any store implementation.
package watchhub
