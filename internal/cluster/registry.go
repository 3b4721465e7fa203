package cluster

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/fedstore/fedstore/internal/state"
)

// PrefixNodes is the state store prefix of the node entries.
const PrefixNodes = "cluster/nodes/"

// Defaults of Options.
const (
	DefaultHeartbeat   = 5 * time.Second
	DefaultStaleAfter  = 3 * DefaultHeartbeat
	DefaultRemoveAfter = 10 * time.Minute
	// MaxNodeIDLen bounds a node id (it is part of a key).
	MaxNodeIDLen = 128
	// maxNodes bounds one listing of the registry.
	maxNodes = 1000
)

// Node statuses reported by Nodes.
const (
	StatusUp    = "up"
	StatusStale = "stale"
)

// ErrInvalidNode: a node id or entry is malformed.
var ErrInvalidNode = errors.New("cluster: invalid node")

// Node is one entry of the registry, as stored.
type Node struct {
	ID        string    `json:"id"`
	Address   string    `json:"address"`
	Version   string    `json:"version"`
	State     string    `json:"state"`
	StartedAt time.Time `json:"started_at"`
	Heartbeat time.Time `json:"heartbeat_at"`
}

// NodeStatus is a node as Nodes reports it.
type NodeStatus struct {
	Node
	// Status is StatusUp when the last heartbeat is within StaleAfter, else
	// StatusStale.
	Status string `json:"status"`
	// Self marks the node that answered.
	Self bool `json:"self"`
	// AgeSeconds is the time since the last heartbeat (whole seconds).
	AgeSeconds int64 `json:"heartbeat_age_seconds"`
}

// Options tune a Registry; zero values take the defaults.
type Options struct {
	// Heartbeat is how often the entry is refreshed.
	Heartbeat time.Duration
	// StaleAfter: a node whose heartbeat is older is reported stale.
	StaleAfter time.Duration
	// RemoveAfter: an entry whose heartbeat is older is deleted.
	RemoveAfter time.Duration
	Clock       func() time.Time
	Logger      *slog.Logger
}

// Registry writes this node's entry and reads everyone's.
type Registry struct {
	store state.Store
	self  Node
	opts  Options
	log   *slog.Logger

	mu sync.Mutex
	// rev is the revision of our last write (0: none yet).
	rev int64
	// failing is true while heartbeats fail (logged once per outage).
	failing bool
}

// CheckID validates a node id: 1..MaxNodeIDLen characters of letters,
// digits and . _ : -.
func CheckID(id string) error {
	if id == "" || len(id) > MaxNodeIDLen {
		return fmt.Errorf("%w: node id %q must have 1 to %d characters", ErrInvalidNode, id, MaxNodeIDLen)
	}
	for _, r := range id {
		ok := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("._:-", r)
		if !ok {
			return fmt.Errorf("%w: node id %q may only hold letters, digits and . _ : -", ErrInvalidNode, id)
		}
	}
	return nil
}

// New returns the registry of self (ID, Address, Version, State and
// StartedAt set by the caller) over store. Nothing is written before
// Register or Run.
func New(store state.Store, self Node, opts Options) (*Registry, error) {
	if store == nil {
		return nil, errors.New("cluster: no state store")
	}
	if err := CheckID(self.ID); err != nil {
		return nil, err
	}
	if opts.Heartbeat <= 0 {
		opts.Heartbeat = DefaultHeartbeat
	}
	if opts.StaleAfter <= 0 {
		opts.StaleAfter = 3 * opts.Heartbeat
	}
	if opts.RemoveAfter <= 0 {
		opts.RemoveAfter = DefaultRemoveAfter
	}
	if opts.RemoveAfter < opts.StaleAfter {
		return nil, fmt.Errorf("%w: remove-after %s is shorter than stale-after %s", ErrInvalidNode, opts.RemoveAfter, opts.StaleAfter)
	}
	if opts.Clock == nil {
		opts.Clock = time.Now
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	self.StartedAt = self.StartedAt.UTC()
	return &Registry{store: store, self: self, opts: opts, log: log}, nil
}

// ID is this node's id.
func (r *Registry) ID() string { return r.self.ID }

// Register writes this node's entry with a fresh heartbeat.
func (r *Registry) Register(ctx context.Context) error {
	n := r.self
	n.Heartbeat = r.opts.Clock().UTC()
	b, err := json.Marshal(n)
	if err != nil {
		return fmt.Errorf("cluster: encode node: %w", err)
	}
	rev, err := r.store.Put(ctx, PrefixNodes+n.ID, b, state.AnyRevision)
	if err != nil {
		return fmt.Errorf("cluster: register node %s: %w", n.ID, err)
	}
	r.mu.Lock()
	r.rev = rev
	r.mu.Unlock()
	return nil
}

// Run heartbeats every opts.Heartbeat until ctx ends, removing entries past
// RemoveAfter on the way, then deletes this node's entry (best effort).
// A failing store is logged once per outage; the loop keeps trying.
func (r *Registry) Run(ctx context.Context) {
	t := time.NewTicker(r.opts.Heartbeat)
	defer t.Stop()
	for {
		r.beat(ctx)
		select {
		case <-ctx.Done():
			r.deregister()
			return
		case <-t.C:
		}
	}
}

func (r *Registry) beat(ctx context.Context) {
	cctx, cancel := context.WithTimeout(ctx, r.opts.Heartbeat)
	defer cancel()
	err := r.Register(cctx)
	if err == nil {
		_, err = r.sweep(cctx)
	}
	if ctx.Err() != nil {
		return
	}
	r.mu.Lock()
	was := r.failing
	r.failing = err != nil
	r.mu.Unlock()
	switch {
	case err != nil && !was:
		r.log.Warn("cluster heartbeat failed; retrying", slog.String("node", r.self.ID), slog.String("error", err.Error()))
	case err == nil && was:
		r.log.Info("cluster heartbeat recovered", slog.String("node", r.self.ID))
	}
}

// deregister deletes this node's entry if it is still the one we wrote.
func (r *Registry) deregister() {
	r.mu.Lock()
	rev := r.rev
	r.mu.Unlock()
	if rev == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := r.store.Delete(ctx, PrefixNodes+r.self.ID, rev); err != nil && !errors.Is(err, state.ErrNotFound) && !errors.Is(err, state.ErrConflict) {
		r.log.Warn("cluster: could not remove this node's entry", slog.String("node", r.self.ID), slog.String("error", err.Error()))
	}
}

// list reads every entry (bounded), skipping undecodable ones.
func (r *Registry) list(ctx context.Context) ([]Node, []state.KV, int64, error) {
	res, err := r.store.List(ctx, PrefixNodes, state.ListOptions{Limit: maxNodes})
	if err != nil {
		return nil, nil, 0, fmt.Errorf("cluster: list nodes: %w", err)
	}
	nodes := make([]Node, 0, len(res.KVs))
	kvs := make([]state.KV, 0, len(res.KVs))
	for _, kv := range res.KVs {
		var n Node
		if err := json.Unmarshal(kv.Value, &n); err != nil || n.ID != strings.TrimPrefix(kv.Key, PrefixNodes) {
			r.log.Warn("cluster: skipping a malformed node entry", slog.String("key", kv.Key))
			continue
		}
		nodes = append(nodes, n)
		kvs = append(kvs, kv)
	}
	return nodes, kvs, res.Revision, nil
}

// sweep deletes entries whose heartbeat is older than RemoveAfter, each on
// the revision it read (another node's concurrent sweep or a late
// heartbeat wins). It returns how many it deleted.
func (r *Registry) sweep(ctx context.Context) (int, error) {
	nodes, kvs, _, err := r.list(ctx)
	if err != nil {
		return 0, err
	}
	now := r.opts.Clock()
	n := 0
	for i, node := range nodes {
		if node.ID == r.self.ID || now.Sub(node.Heartbeat) <= r.opts.RemoveAfter {
			continue
		}
		err := r.store.Delete(ctx, kvs[i].Key, kvs[i].Revision)
		switch {
		case err == nil:
			n++
			r.log.Info("cluster: removed a node that stopped heartbeating", slog.String("node", node.ID),
				slog.Time("last_heartbeat", node.Heartbeat))
		case errors.Is(err, state.ErrNotFound), errors.Is(err, state.ErrConflict):
		default:
			return n, fmt.Errorf("cluster: remove node %s: %w", node.ID, err)
		}
	}
	return n, nil
}

// Nodes lists the registered nodes by id with their status, and the store
// revision of the read.
func (r *Registry) Nodes(ctx context.Context) ([]NodeStatus, int64, error) {
	nodes, _, rev, err := r.list(ctx)
	if err != nil {
		return nil, 0, err
	}
	now := r.opts.Clock()
	out := make([]NodeStatus, 0, len(nodes))
	for _, n := range nodes {
		age := now.Sub(n.Heartbeat)
		if age < 0 {
			age = 0
		}
		st := StatusUp
		if age > r.opts.StaleAfter {
			st = StatusStale
		}
		out = append(out, NodeStatus{Node: n, Status: st, Self: n.ID == r.self.ID, AgeSeconds: int64(age / time.Second)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, rev, nil
}
