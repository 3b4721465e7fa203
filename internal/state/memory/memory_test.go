package memory_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/fedstore/fedstore/internal/state"
	"github.com/fedstore/fedstore/internal/state/memory"
	"github.com/fedstore/fedstore/internal/state/statetest"
)

func TestConformance(t *testing.T) {
	t.Parallel()
	statetest.Run(t, func(*testing.T) state.Store { return memory.New() },
		statetest.WithCompact(func(t *testing.T, s state.Store, rev int64) {
			s.(*memory.Store).Compact(rev)
		}))
}

// TestHistoryBound: with a history of 4 events, a watch from the 5th newest
// revision is compacted and one from the 4th newest replays.
func TestHistoryBound(t *testing.T) {
	t.Parallel()
	s := memory.New(memory.WithHistory(4))
	t.Cleanup(func() { _ = s.Close() })
	ctx := context.Background()
	var revs []int64
	for i := 0; i < 10; i++ {
		r, err := s.Put(ctx, "k", []byte{byte(i)}, state.AnyRevision)
		if err != nil {
			t.Fatal(err)
		}
		revs = append(revs, r)
	}
	tests := []struct {
		from    int64
		wantErr error
		first   int64
	}{
		{from: revs[5], wantErr: state.ErrCompacted},
		{from: 1, wantErr: state.ErrCompacted},
		{from: revs[6], first: revs[6]},
		{from: revs[9], first: revs[9]},
	}
	for _, tc := range tests {
		ctx, cancel := context.WithCancel(ctx)
		ch, err := s.Watch(ctx, "", tc.from)
		if tc.wantErr != nil {
			if err == nil || !errorsIs(err, tc.wantErr) {
				t.Fatalf("Watch(%d): %v, want %v", tc.from, err, tc.wantErr)
			}
			cancel()
			continue
		}
		if err != nil {
			t.Fatalf("Watch(%d): %v", tc.from, err)
		}
		var ev state.Event
		select {
		case ev = <-ch:
		case <-time.After(5 * time.Second):
			t.Fatalf("Watch(%d) replayed nothing", tc.from)
		}
		if ev.KV.Revision != tc.first {
			t.Fatalf("Watch(%d) first revision %d, want %d", tc.from, ev.KV.Revision, tc.first)
		}
		cancel()
	}
}

// TestSlowWatcherEnded: a watcher that never reads has its watch ended when its
// queue overflows, and writers are never blocked by it.
func TestSlowWatcherEnded(t *testing.T) {
	t.Parallel()
	s := memory.New(memory.WithHistory(8), memory.WithQueueLimit(8))
	t.Cleanup(func() { _ = s.Close() })
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	slow, err := s.Watch(ctx, "", 0)
	if err != nil {
		t.Fatal(err)
	}
	fast, err := s.Watch(ctx, "", 0)
	if err != nil {
		t.Fatal(err)
	}
	// Write one event at a time and let the fast watcher read it before the
	// next write: it keeps up; the slow one never reads.
	for i := 0; i < 100; i++ {
		done := make(chan error, 1)
		go func() {
			_, err := s.Put(ctx, "k", []byte("v"), state.AnyRevision)
			done <- err
		}()
		select {
		case err := <-done:
			if err != nil {
				t.Fatal(err)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("writer blocked by a slow watcher")
		}
		select {
		case _, ok := <-fast:
			if !ok {
				t.Fatalf("reading watcher ended after %d events", i)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("reading watcher got nothing")
		}
	}
	// The slow watcher got at most the first few events (one in flight plus
	// the queue), then its channel closed while ctx is still live.
	n := 0
	deadline := time.After(5 * time.Second)
	for {
		select {
		case _, ok := <-slow:
			if !ok {
				if n > 10 {
					t.Fatalf("slow watcher received %d events before closing", n)
				}
				return
			}
			n++
		case <-deadline:
			t.Fatal("slow watcher not ended")
		}
	}
}

func FuzzKeyRoundTrip(f *testing.F) {
	for _, tc := range statetest.KeyEdgeCases {
		f.Add(tc.Key, tc.Value)
	}
	f.Add("", []byte("empty key"))
	s := memory.New()
	f.Cleanup(func() { _ = s.Close() })
	f.Fuzz(func(t *testing.T, key string, value []byte) {
		statetest.CheckRoundTrip(t, s, key, value)
	})
}

func errorsIs(err, target error) bool { return errors.Is(err, target) }
