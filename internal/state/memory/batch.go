package memory

import (
	"context"
	"fmt"
	"sort"

	"github.com/fedstore/fedstore/internal/state"
)

var _ state.Batcher = (*Store)(nil)

// PutBatch implements state.Batcher.
func (s *Store) PutBatch(ctx context.Context, entries []state.BatchEntry) ([]state.BatchResult, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := state.CheckBatch(entries); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, state.ErrClosed
	}
	if len(entries) == 0 {
		return nil, nil
	}
	res := make([]state.BatchResult, len(entries))
	for i, e := range entries {
		_, exists := s.data[e.Key]
		if exists && e.CreateOnly {
			res[i].Err = fmt.Errorf("%w: %q exists", state.ErrConflict, e.Key)
			continue
		}
		s.rev++
		kv := clone(state.KV{Key: e.Key, Value: e.Value, Revision: s.rev})
		s.data[e.Key] = kv
		if !exists {
			j := sort.SearchStrings(s.keys, e.Key)
			s.keys = append(s.keys, "")
			copy(s.keys[j+1:], s.keys[j:])
			s.keys[j] = e.Key
		}
		s.hub.Publish(state.Event{Type: state.EventPut, KV: clone(kv)})
		res[i].Revision = s.rev
	}
	return res, nil
}
