package bolt

import (
	"context"
	"encoding/binary"
	"fmt"

	bbolt "go.etcd.io/bbolt"

	"github.com/fedstore/fedstore/internal/state"
)

var _ state.Batcher = (*Store)(nil)

// PutBatch implements state.Batcher: every entry in one bbolt transaction,
// so one fsync covers the whole batch.
func (s *Store) PutBatch(ctx context.Context, entries []state.BatchEntry) ([]state.BatchResult, error) {
	if err := state.CheckBatch(entries); err != nil {
		return nil, err
	}
	if err := s.enter(ctx); err != nil {
		return nil, err
	}
	defer s.life.RUnlock()
	if len(entries) == 0 {
		return nil, nil
	}
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	res := make([]state.BatchResult, len(entries))
	err := s.db.Update(func(tx *bbolt.Tx) error {
		kvb, meta := tx.Bucket(bucketKV), tx.Bucket(bucketMeta)
		rev, err := readRev(meta)
		if err != nil {
			return err
		}
		for i, e := range entries {
			key := []byte(e.Key)
			if e.CreateOnly && kvb.Get(key) != nil {
				res[i].Err = fmt.Errorf("%w: %q exists", state.ErrConflict, e.Key)
				continue
			}
			rev++
			if err := kvb.Put(key, encode(rev, e.Value)); err != nil {
				return err
			}
			res[i].Revision = rev
		}
		return putRev(meta, rev)
	})
	if err != nil {
		return nil, wrapDB(err)
	}
	for i, e := range entries {
		if res[i].Err != nil {
			continue
		}
		v := make([]byte, len(e.Value))
		copy(v, e.Value)
		s.hub.Publish(state.Event{Type: state.EventPut, KV: state.KV{Key: e.Key, Value: v, Revision: res[i].Revision}})
	}
	return res, nil
}

// putRev stores the store-wide revision.
func putRev(meta *bbolt.Bucket, rev int64) error {
	b := make([]byte, 8)
	binary.BigEndian.PutUint64(b, uint64(rev))
	return meta.Put(keyRev, b)
}
