package memory

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/fedstore/fedstore/internal/state"
	"github.com/fedstore/fedstore/internal/state/internal/watchhub"
)

// Option configures a Store.
type Option func(*config)

type config struct {
	history    int
	queueLimit int
}

// WithHistory keeps the last n events for Watch replay (default 1024).
func WithHistory(n int) Option { return func(c *config) { c.history = n } }

// WithQueueLimit bounds each watcher's pending events (default 4096, at least
// the history size); a watcher that falls further behind has its watch ended.
func WithQueueLimit(n int) Option { return func(c *config) { c.queueLimit = n } }

// Store is the in-memory state.Store.
type Store struct {
	mu     sync.RWMutex
	data   map[string]state.KV
	keys   []string // sorted
	rev    int64
	closed bool
	hub    *watchhub.Hub
}

var _ state.Store = (*Store)(nil)

// New returns an empty store at revision 0.
func New(opts ...Option) *Store {
	var c config
	for _, o := range opts {
		o(&c)
	}
	return &Store{
		data: make(map[string]state.KV),
		hub:  watchhub.New(0, c.history, c.queueLimit),
	}
}

func clone(kv state.KV) state.KV {
	v := make([]byte, len(kv.Value))
	copy(v, kv.Value)
	kv.Value = v
	return kv
}

// Get implements state.Store.
func (s *Store) Get(ctx context.Context, key string) (state.KV, error) {
	if err := ctx.Err(); err != nil {
		return state.KV{}, err
	}
	if err := state.CheckKey(key); err != nil {
		return state.KV{}, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return state.KV{}, state.ErrClosed
	}
	kv, ok := s.data[key]
	if !ok {
		return state.KV{}, fmt.Errorf("%w: %q", state.ErrNotFound, key)
	}
	return clone(kv), nil
}

// Put implements state.Store.
func (s *Store) Put(ctx context.Context, key string, value []byte, expect int64) (int64, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	if err := state.CheckPut(key, value, expect); err != nil {
		return 0, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return 0, state.ErrClosed
	}
	cur, exists := s.data[key]
	switch {
	case expect == state.AnyRevision:
	case expect == state.MustNotExist && exists:
		return 0, fmt.Errorf("%w: %q exists at revision %d", state.ErrConflict, key, cur.Revision)
	case expect > 0 && !exists:
		return 0, fmt.Errorf("%w: %q does not exist, expected revision %d", state.ErrConflict, key, expect)
	case expect > 0 && cur.Revision != expect:
		return 0, fmt.Errorf("%w: %q is at revision %d, expected %d", state.ErrConflict, key, cur.Revision, expect)
	}
	s.rev++
	kv := clone(state.KV{Key: key, Value: value, Revision: s.rev})
	s.data[key] = kv
	if !exists {
		i := sort.SearchStrings(s.keys, key)
		s.keys = append(s.keys, "")
		copy(s.keys[i+1:], s.keys[i:])
		s.keys[i] = key
	}
	s.hub.Publish(state.Event{Type: state.EventPut, KV: clone(kv)})
	return s.rev, nil
}

// Delete implements state.Store.
func (s *Store) Delete(ctx context.Context, key string, expect int64) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := state.CheckKey(key); err != nil {
		return err
	}
	if err := state.CheckExpect(expect); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return state.ErrClosed
	}
	cur, exists := s.data[key]
	if !exists {
		return fmt.Errorf("%w: %q", state.ErrNotFound, key)
	}
	if expect != state.AnyRevision && cur.Revision != expect {
		return fmt.Errorf("%w: %q is at revision %d, expected %d", state.ErrConflict, key, cur.Revision, expect)
	}
	s.rev++
	delete(s.data, key)
	i := sort.SearchStrings(s.keys, key)
	s.keys = append(s.keys[:i], s.keys[i+1:]...)
	s.hub.Publish(state.Event{Type: state.EventDelete, KV: state.KV{Key: key, Revision: s.rev}})
	return nil
}

// List implements state.Store.
func (s *Store) List(ctx context.Context, prefix string, opts state.ListOptions) (state.ListResult, error) {
	if err := ctx.Err(); err != nil {
		return state.ListResult{}, err
	}
	if opts.Limit < 0 {
		return state.ListResult{}, fmt.Errorf("%w: negative limit %d", state.ErrInvalid, opts.Limit)
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return state.ListResult{}, state.ErrClosed
	}
	res := state.ListResult{Revision: s.rev}
	start := prefix
	if opts.StartAfter >= start {
		start = opts.StartAfter + "\x00" // the smallest key strictly greater
	}
	for i := sort.SearchStrings(s.keys, start); i < len(s.keys); i++ {
		k := s.keys[i]
		if !strings.HasPrefix(k, prefix) {
			break
		}
		if opts.Limit > 0 && len(res.KVs) == opts.Limit {
			res.More = true
			break
		}
		res.KVs = append(res.KVs, clone(s.data[k]))
	}
	return res, nil
}

// Watch implements state.Store.
func (s *Store) Watch(ctx context.Context, prefix string, fromRev int64) (<-chan state.Event, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return nil, state.ErrClosed
	}
	return s.hub.Watch(ctx, prefix, fromRev)
}

// Close implements state.Store; it ends every watch. Closing twice is a no-op.
func (s *Store) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	s.data = nil
	s.keys = nil
	s.hub.Close()
	return nil
}

// Compact drops the watch history at or below rev, as an etcd compaction does.
func (s *Store) Compact(rev int64) {
	s.hub.Compact(rev)
}
