// Package etcd is the clustered state.Store: every key lives in an etcd v3
// cluster under a configurable prefix (default "/fedstore/"), and revisions
// are etcd's own store-wide mod revisions, so any number of fedstore nodes
// share one namespace and see each other's changes through Watch.
//
// CAS maps onto etcd transactions (ModRevision / CreateRevision compares);
// Watch maps onto etcd watches from a revision, with compaction reported as
// state.ErrCompacted. Every call is bounded by Config.RequestTimeout: an
// unreachable cluster answers errors wrapping state.ErrUnavailable instead
// of hanging. See watch.go for what a watcher sees across an etcd outage.
//
// The etcd user (Config.Username) needs read-write permission on the prefix
// range only. The store does not implement state.Batcher: an etcd
// transaction gives all its writes one revision, while the contract wants
// one revision per entry; callers fall back to Put.
//
// It imports internal/state and the etcd client only; nothing of HTTP or S3.
package etcd
