package bolt

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	bbolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"

	"github.com/fedstore/fedstore/internal/state"
	"github.com/fedstore/fedstore/internal/state/internal/watchhub"
)

var (
	bucketKV   = []byte("kv")
	bucketMeta = []byte("meta")
	keyRev     = []byte("revision")
)

// Option configures Open.
type Option func(*config)

type config struct {
	history     int
	queueLimit  int
	lockTimeout time.Duration
	noSync      bool
}

// WithHistory keeps the last n events for Watch replay (default 1024).
func WithHistory(n int) Option { return func(c *config) { c.history = n } }

// WithQueueLimit bounds each watcher's pending events (default 4096).
func WithQueueLimit(n int) Option { return func(c *config) { c.queueLimit = n } }

// WithLockTimeout sets how long Open waits for another process to release
// the file lock (default 2s).
func WithLockTimeout(d time.Duration) Option { return func(c *config) { c.lockTimeout = d } }

// InsecureNoSync skips fsync on commit: faster, and a crash may lose
// acknowledged writes. For tests only.
func InsecureNoSync() Option { return func(c *config) { c.noSync = true } }

// Store is the bbolt-backed state.Store.
type Store struct {
	db   *bbolt.DB
	path string

	life    sync.RWMutex // held for reading by every operation, for writing by Close
	closed  bool
	writeMu sync.Mutex // orders commit + publish
	hub     *watchhub.Hub
}

var _ state.Store = (*Store)(nil)

// Open opens (creating if needed) the store file at path; its directory is
// created with mode 0700 and the file with 0600.
func Open(path string, opts ...Option) (*Store, error) {
	c := config{lockTimeout: 2 * time.Second}
	for _, o := range opts {
		o(&c)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("bolt state: %w", err)
	}
	db, err := bbolt.Open(path, 0o600, &bbolt.Options{Timeout: c.lockTimeout, NoSync: c.noSync})
	if err != nil {
		if errors.Is(err, bolterrors.ErrTimeout) {
			return nil, fmt.Errorf("bolt state: %s is locked (another fedstore running?): %w", path, err)
		}
		return nil, fmt.Errorf("bolt state: open %s: %w", path, err)
	}
	var rev int64
	err = db.Update(func(tx *bbolt.Tx) error {
		if _, err := tx.CreateBucketIfNotExists(bucketKV); err != nil {
			return err
		}
		meta, err := tx.CreateBucketIfNotExists(bucketMeta)
		if err != nil {
			return err
		}
		rev, err = readRev(meta)
		return err
	})
	if err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("bolt state: initialise %s: %w", path, err)
	}
	return &Store{db: db, path: path, hub: watchhub.New(rev, c.history, c.queueLimit)}, nil
}

func readRev(meta *bbolt.Bucket) (int64, error) {
	b := meta.Get(keyRev)
	if b == nil {
		return 0, nil
	}
	if len(b) != 8 {
		return 0, fmt.Errorf("corrupt revision record (%d bytes)", len(b))
	}
	return int64(binary.BigEndian.Uint64(b)), nil
}

// encode stores revision (8 bytes, big endian) followed by the value.
func encode(rev int64, value []byte) []byte {
	b := make([]byte, 8+len(value))
	binary.BigEndian.PutUint64(b, uint64(rev))
	copy(b[8:], value)
	return b
}

func decode(key, b []byte) (state.KV, error) {
	if len(b) < 8 {
		return state.KV{}, fmt.Errorf("bolt state: corrupt record for %q", key)
	}
	v := make([]byte, len(b)-8)
	copy(v, b[8:])
	return state.KV{Key: string(key), Value: v, Revision: int64(binary.BigEndian.Uint64(b))}, nil
}

func (s *Store) enter(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.life.RLock()
	if s.closed {
		s.life.RUnlock()
		return state.ErrClosed
	}
	return nil
}

// Get implements state.Store.
func (s *Store) Get(ctx context.Context, key string) (state.KV, error) {
	if err := state.CheckKey(key); err != nil {
		return state.KV{}, err
	}
	if err := s.enter(ctx); err != nil {
		return state.KV{}, err
	}
	defer s.life.RUnlock()
	var kv state.KV
	err := s.db.View(func(tx *bbolt.Tx) error {
		b := tx.Bucket(bucketKV).Get([]byte(key))
		if b == nil {
			return fmt.Errorf("%w: %q", state.ErrNotFound, key)
		}
		var err error
		kv, err = decode([]byte(key), b)
		return err
	})
	return kv, err
}

// Put implements state.Store.
func (s *Store) Put(ctx context.Context, key string, value []byte, expect int64) (int64, error) {
	if err := state.CheckPut(key, value, expect); err != nil {
		return 0, err
	}
	if err := s.enter(ctx); err != nil {
		return 0, err
	}
	defer s.life.RUnlock()
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	var rev int64
	err := s.db.Update(func(tx *bbolt.Tx) error {
		kvb, meta := tx.Bucket(bucketKV), tx.Bucket(bucketMeta)
		cur := kvb.Get([]byte(key))
		if err := checkPutExpect(key, cur, expect); err != nil {
			return err
		}
		var err error
		if rev, err = bump(meta); err != nil {
			return err
		}
		return kvb.Put([]byte(key), encode(rev, value))
	})
	if err != nil {
		return 0, wrapDB(err)
	}
	v := make([]byte, len(value))
	copy(v, value)
	s.hub.Publish(state.Event{Type: state.EventPut, KV: state.KV{Key: key, Value: v, Revision: rev}})
	return rev, nil
}

func checkPutExpect(key string, cur []byte, expect int64) error {
	exists := cur != nil
	switch {
	case expect == state.AnyRevision:
		return nil
	case expect == state.MustNotExist && exists:
		return fmt.Errorf("%w: %q exists", state.ErrConflict, key)
	case expect == state.MustNotExist:
		return nil
	case !exists:
		return fmt.Errorf("%w: %q does not exist, expected revision %d", state.ErrConflict, key, expect)
	}
	kv, err := decode([]byte(key), cur)
	if err != nil {
		return err
	}
	if kv.Revision != expect {
		return fmt.Errorf("%w: %q is at revision %d, expected %d", state.ErrConflict, key, kv.Revision, expect)
	}
	return nil
}

func bump(meta *bbolt.Bucket) (int64, error) {
	rev, err := readRev(meta)
	if err != nil {
		return 0, err
	}
	rev++
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], uint64(rev))
	return rev, meta.Put(keyRev, b[:])
}

// wrapDB keeps state errors as they are and marks storage failures.
func wrapDB(err error) error {
	for _, e := range []error{state.ErrConflict, state.ErrNotFound, state.ErrInvalid} {
		if errors.Is(err, e) {
			return err
		}
	}
	return fmt.Errorf("bolt state: %w", err)
}

// Delete implements state.Store.
func (s *Store) Delete(ctx context.Context, key string, expect int64) error {
	if err := state.CheckKey(key); err != nil {
		return err
	}
	if err := state.CheckExpect(expect); err != nil {
		return err
	}
	if err := s.enter(ctx); err != nil {
		return err
	}
	defer s.life.RUnlock()
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	var rev int64
	err := s.db.Update(func(tx *bbolt.Tx) error {
		kvb, meta := tx.Bucket(bucketKV), tx.Bucket(bucketMeta)
		cur := kvb.Get([]byte(key))
		if cur == nil {
			return fmt.Errorf("%w: %q", state.ErrNotFound, key)
		}
		if expect != state.AnyRevision {
			kv, err := decode([]byte(key), cur)
			if err != nil {
				return err
			}
			if kv.Revision != expect {
				return fmt.Errorf("%w: %q is at revision %d, expected %d", state.ErrConflict, key, kv.Revision, expect)
			}
		}
		var err error
		if rev, err = bump(meta); err != nil {
			return err
		}
		return kvb.Delete([]byte(key))
	})
	if err != nil {
		return wrapDB(err)
	}
	s.hub.Publish(state.Event{Type: state.EventDelete, KV: state.KV{Key: key, Revision: rev}})
	return nil
}

// List implements state.Store.
func (s *Store) List(ctx context.Context, prefix string, opts state.ListOptions) (state.ListResult, error) {
	if opts.Limit < 0 {
		return state.ListResult{}, fmt.Errorf("%w: negative limit %d", state.ErrInvalid, opts.Limit)
	}
	if err := s.enter(ctx); err != nil {
		return state.ListResult{}, err
	}
	defer s.life.RUnlock()
	var res state.ListResult
	err := s.db.View(func(tx *bbolt.Tx) error {
		rev, err := readRev(tx.Bucket(bucketMeta))
		if err != nil {
			return err
		}
		res.Revision = rev
		start := []byte(prefix)
		if opts.StartAfter >= prefix {
			start = append([]byte(opts.StartAfter), 0)
		}
		c := tx.Bucket(bucketKV).Cursor()
		for k, v := c.Seek(start); k != nil && bytes.HasPrefix(k, []byte(prefix)); k, v = c.Next() {
			if opts.Limit > 0 && len(res.KVs) == opts.Limit {
				res.More = true
				break
			}
			kv, err := decode(k, v)
			if err != nil {
				return err
			}
			res.KVs = append(res.KVs, kv)
		}
		return nil
	})
	if err != nil {
		return state.ListResult{}, wrapDB(err)
	}
	return res, nil
}

// Watch implements state.Store.
func (s *Store) Watch(ctx context.Context, prefix string, fromRev int64) (<-chan state.Event, error) {
	if err := s.enter(ctx); err != nil {
		return nil, err
	}
	defer s.life.RUnlock()
	return s.hub.Watch(ctx, prefix, fromRev)
}

// Compact forgets watch history at or below rev (the data is untouched).
func (s *Store) Compact(rev int64) { s.hub.Compact(rev) }

// Close implements state.Store: it waits for in-flight operations, ends every
// watch and closes the file. Closing twice is a no-op.
func (s *Store) Close() error {
	s.life.Lock()
	defer s.life.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	s.hub.Close()
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("bolt state: close %s: %w", s.path, err)
	}
	return nil
}

// Path returns the file the store was opened from.
func (s *Store) Path() string { return s.path }
