package statetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/fedstore/fedstore/internal/state"
)

// Option adds optional capabilities to Run.
type Option func(*suite)

// WithReopen enables the persistence tests: reopen closes old and returns a
// new store over the same data.
func WithReopen(reopen func(t *testing.T, old state.Store) state.Store) Option {
	return func(s *suite) { s.reopen = reopen }
}

// WithCompact enables the compaction tests: after compact returns, Watch from
// any revision at or below rev must fail with state.ErrCompacted.
func WithCompact(compact func(t *testing.T, s state.Store, rev int64)) Option {
	return func(s *suite) { s.compact = compact }
}

// WithSharedRevisions tells the suite that other writers may advance the
// store-wide revision concurrently (e.g. one etcd cluster behind many stores),
// so it skips the checks that count revisions exactly.
func WithSharedRevisions() Option {
	return func(s *suite) { s.shared = true }
}

// WithWaitTimeout sets how long the suite waits for a watch event (default 5s).
func WithWaitTimeout(d time.Duration) Option {
	return func(s *suite) { s.wait = d }
}

type suite struct {
	newStore func(t *testing.T) state.Store
	reopen   func(t *testing.T, old state.Store) state.Store
	compact  func(t *testing.T, s state.Store, rev int64)
	wait     time.Duration
	shared   bool
}

// Run runs the whole conformance suite. newStore returns a fresh, empty store;
// the suite closes it (closing twice must be harmless).
func Run(t *testing.T, newStore func(t *testing.T) state.Store, opts ...Option) {
	s := &suite{newStore: newStore, wait: 5 * time.Second}
	for _, o := range opts {
		o(s)
	}
	tests := []struct {
		name string
		fn   func(t *testing.T)
	}{
		{"CRUD", s.testCRUD},
		{"ValueIsolation", s.testValueIsolation},
		{"InvalidArguments", s.testInvalid},
		{"KeyEdgeCases", s.testKeyEdgeCases},
		{"CAS", s.testCAS},
		{"ConcurrentCASIncrements", s.testConcurrentIncrements},
		{"ListOrder", s.testListOrder},
		{"ListPaging", s.testListPaging},
		{"ListRevision", s.testListRevision},
		{"WatchOrdering", s.testWatchOrdering},
		{"WatchReplay", s.testWatchReplay},
		{"WatchFromNow", s.testWatchFromNow},
		{"WatchFuture", s.testWatchFuture},
		{"WatchFollowsList", s.testWatchFollowsList},
		{"WatchCancel", s.testWatchCancel},
		{"WatchCompacted", s.testWatchCompacted},
		{"Close", s.testClose},
		{"Persistence", s.testPersistence},
		{"Batch", s.testBatch},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.fn(t)
		})
	}
}

func (s *suite) open(t *testing.T) state.Store {
	t.Helper()
	st := s.newStore(t)
	t.Cleanup(func() { _ = st.Close() })
	return st
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	return ctx
}

func mustPut(t *testing.T, st state.Store, key, value string, expect int64) int64 {
	t.Helper()
	rev, err := st.Put(ctxT(t), key, []byte(value), expect)
	if err != nil {
		t.Fatalf("Put(%q, expect %d): %v", key, expect, err)
	}
	return rev
}

func mustDelete(t *testing.T, st state.Store, key string, expect int64) {
	t.Helper()
	if err := st.Delete(ctxT(t), key, expect); err != nil {
		t.Fatalf("Delete(%q, expect %d): %v", key, expect, err)
	}
}

func mustList(t *testing.T, st state.Store, prefix string, opts state.ListOptions) state.ListResult {
	t.Helper()
	res, err := st.List(ctxT(t), prefix, opts)
	if err != nil {
		t.Fatalf("List(%q, %+v): %v", prefix, opts, err)
	}
	return res
}

func wantErr(t *testing.T, what string, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("%s: error %v, want %v", what, err, want)
	}
}

// recv waits for the next event; it fails the test on timeout or close.
func (s *suite) recv(t *testing.T, ch <-chan state.Event) state.Event {
	t.Helper()
	select {
	case ev, ok := <-ch:
		if !ok {
			t.Fatal("watch channel closed, want an event")
		}
		return ev
	case <-time.After(s.wait):
		t.Fatal("timed out waiting for a watch event")
	}
	return state.Event{}
}

// closed waits for ch to be closed, draining anything still queued.
func (s *suite) closed(t *testing.T, ch <-chan state.Event) {
	t.Helper()
	deadline := time.After(s.wait)
	for {
		select {
		case _, ok := <-ch:
			if !ok {
				return
			}
		case <-deadline:
			t.Fatal("watch channel not closed")
		}
	}
}

// quiet asserts that nothing arrives on ch for a short while.
func quiet(t *testing.T, ch <-chan state.Event) {
	t.Helper()
	select {
	case ev, ok := <-ch:
		t.Fatalf("unexpected watch delivery %+v (open %v)", ev, ok)
	case <-time.After(100 * time.Millisecond):
	}
}
