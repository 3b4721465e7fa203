// Package cluster keeps the node registry of a fedstore cluster: every node
// writes one entry, cluster/nodes/<id>, into the shared state store (its
// address, version, start time and last heartbeat) and refreshes it
// periodically; entries that stop being refreshed are reported stale and,
// later, removed by whichever node sees them first. It works on any
// state.Store (etcd in a cluster, bolt or memory for one node) and uses
// only conditional writes, so any number of nodes can run it at once.
package cluster
