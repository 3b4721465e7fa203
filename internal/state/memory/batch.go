package memory

import (
	"context"
	"sort"

	"github.com/fedstore/fedstore/internal/state"
)

var _ state.Batcher = (*Store)(nil)

// PutBatch implements state.Batcher.
func (s *Store) PutBatch(ctx context.Context, kvs []state.KV) ([]int64, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := state.CheckBatch(kvs); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, state.ErrClosed
	}
	revs := make([]int64, len(kvs))
	for i, in := range kvs {
		_, exists := s.data[in.Key]
		s.rev++
		kv := clone(state.KV{Key: in.Key, Value: in.Value, Revision: s.rev})
		s.data[in.Key] = kv
		if !exists {
			j := sort.SearchStrings(s.keys, in.Key)
			s.keys = append(s.keys, "")
			copy(s.keys[j+1:], s.keys[j:])
			s.keys[j] = in.Key
		}
		s.hub.Publish(state.Event{Type: state.EventPut, KV: clone(kv)})
		revs[i] = s.rev
	}
	return revs, nil
}
