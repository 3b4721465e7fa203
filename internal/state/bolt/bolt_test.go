package bolt_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fedstore/fedstore/internal/state"
	"github.com/fedstore/fedstore/internal/state/bolt"
	"github.com/fedstore/fedstore/internal/state/statetest"
)

func open(t *testing.T, path string) *bolt.Store {
	t.Helper()
	s, err := bolt.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestConformance(t *testing.T) {
	t.Parallel()
	statetest.Run(t,
		func(t *testing.T) state.Store {
			return open(t, filepath.Join(t.TempDir(), ".fedstore", "state.db"))
		},
		statetest.WithReopen(func(t *testing.T, old state.Store) state.Store {
			b := old.(*bolt.Store)
			if err := b.Close(); err != nil {
				t.Fatal(err)
			}
			return open(t, b.Path())
		}),
		statetest.WithCompact(func(t *testing.T, s state.Store, rev int64) {
			s.(*bolt.Store).Compact(rev)
		}))
}

func TestFileModeAndLock(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "sub", "state.db")
	s := open(t, path)
	t.Cleanup(func() { _ = s.Close() })
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Fatalf("file mode %v, want 0600", fi.Mode().Perm())
	}
	di, err := os.Stat(filepath.Dir(path))
	if err != nil {
		t.Fatal(err)
	}
	if di.Mode().Perm() != 0o700 {
		t.Fatalf("dir mode %v, want 0700", di.Mode().Perm())
	}
	start := time.Now()
	_, err = bolt.Open(path, bolt.WithLockTimeout(100*time.Millisecond))
	if err == nil || !strings.Contains(err.Error(), "is locked (another fedstore running?)") {
		t.Fatalf("second Open of a locked file: %v", err)
	}
	if time.Since(start) > 5*time.Second {
		t.Fatal("second Open did not honour the lock timeout")
	}
}

// TestReopenWatch: after a reopen the history is empty, so only watches from
// the current revision + 1 (or 0) start.
func TestReopenWatch(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "state.db")
	s := open(t, path)
	ctx := context.Background()
	r, err := s.Put(ctx, "k", []byte("v"), state.MustNotExist)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = open(t, path)
	t.Cleanup(func() { _ = s.Close() })
	if _, err := s.Watch(ctx, "", r); !errors.Is(err, state.ErrCompacted) {
		t.Fatalf("Watch(%d) after reopen: %v, want ErrCompacted", r, err)
	}
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	ch, err := s.Watch(wctx, "", r+1)
	if err != nil {
		t.Fatal(err)
	}
	r2, err := s.Put(ctx, "k", []byte("v2"), r)
	if err != nil {
		t.Fatal(err)
	}
	select {
	case ev := <-ch:
		if ev.KV.Revision != r2 || r2 != r+1 {
			t.Fatalf("event %+v, want revision %d", ev, r+1)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no event after reopen")
	}
}

func TestCorruptFile(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "state.db")
	if err := os.WriteFile(path, []byte("this is not a bolt file at all, but long enough to be read"), 0o600); err != nil {
		t.Fatal(err)
	}
	if s, err := bolt.Open(path, bolt.WithLockTimeout(100*time.Millisecond)); err == nil {
		_ = s.Close()
		t.Fatal("Open of a corrupt file succeeded")
	}
}

func FuzzKeyRoundTrip(f *testing.F) {
	for _, tc := range statetest.KeyEdgeCases {
		f.Add(tc.Key, tc.Value)
	}
	f.Add("", []byte("empty key"))
	s, err := bolt.Open(filepath.Join(f.TempDir(), "state.db"), bolt.InsecureNoSync())
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { _ = s.Close() })
	f.Fuzz(func(t *testing.T, key string, value []byte) {
		statetest.CheckRoundTrip(t, s, key, value)
	})
}
