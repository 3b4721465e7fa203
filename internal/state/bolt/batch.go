package bolt

import (
	"context"

	bbolt "go.etcd.io/bbolt"

	"github.com/fedstore/fedstore/internal/state"
)

var _ state.Batcher = (*Store)(nil)

// PutBatch implements state.Batcher: every entry in one bbolt transaction,
// so one fsync covers the whole batch.
func (s *Store) PutBatch(ctx context.Context, kvs []state.KV) ([]int64, error) {
	if err := state.CheckBatch(kvs); err != nil {
		return nil, err
	}
	if err := s.enter(ctx); err != nil {
		return nil, err
	}
	defer s.life.RUnlock()
	if len(kvs) == 0 {
		return nil, nil
	}
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	revs := make([]int64, len(kvs))
	err := s.db.Update(func(tx *bbolt.Tx) error {
		kvb, meta := tx.Bucket(bucketKV), tx.Bucket(bucketMeta)
		for i, kv := range kvs {
			rev, err := bump(meta)
			if err != nil {
				return err
			}
			if err := kvb.Put([]byte(kv.Key), encode(rev, kv.Value)); err != nil {
				return err
			}
			revs[i] = rev
		}
		return nil
	})
	if err != nil {
		return nil, wrapDB(err)
	}
	for i, kv := range kvs {
		v := make([]byte, len(kv.Value))
		copy(v, kv.Value)
		s.hub.Publish(state.Event{Type: state.EventPut, KV: state.KV{Key: kv.Key, Value: v, Revision: revs[i]}})
	}
	return revs, nil
}
