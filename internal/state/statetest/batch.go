package statetest

import (
	"errors"
	"strings"
	"testing"

	"github.com/fedstore/fedstore/internal/state"
)

// testBatch exercises state.Batcher when the store implements it.
func (s *suite) testBatch(t *testing.T) {
	st := s.open(t)
	b, ok := st.(state.Batcher)
	if !ok {
		t.Skip("store does not implement state.Batcher")
	}
	ch, _ := s.watch(t, st, "b/", 0)
	mustPut(t, st, "b/a", "old", state.MustNotExist)
	s.expect(t, ch, state.EventPut, "b/a", "old", s.recvRev(t, st, "b/a"))
	kvs := []state.KV{{Key: "b/a", Value: []byte("1")}, {Key: "b/c", Value: []byte("2")}, {Key: "b/b", Value: []byte("3"), Revision: 99}}
	revs, err := b.PutBatch(ctxT(t), kvs)
	if err != nil {
		t.Fatalf("PutBatch: %v", err)
	}
	if len(revs) != len(kvs) {
		t.Fatalf("PutBatch returned %d revisions for %d entries", len(revs), len(kvs))
	}
	for i := 1; i < len(revs); i++ {
		if revs[i] <= revs[i-1] {
			t.Fatalf("revisions %v do not grow", revs)
		}
	}
	for i, kv := range kvs {
		got, err := st.Get(ctxT(t), kv.Key)
		if err != nil || string(got.Value) != string(kv.Value) || got.Revision != revs[i] {
			t.Fatalf("Get(%q) = %q@%d, %v; want %q@%d", kv.Key, got.Value, got.Revision, err, kv.Value, revs[i])
		}
		s.expect(t, ch, state.EventPut, kv.Key, string(kv.Value), revs[i])
	}
	if got := mustList(t, st, "b/", state.ListOptions{}); len(got.KVs) != 3 || got.KVs[1].Key != "b/b" {
		t.Fatalf("List after PutBatch: %+v", got.KVs)
	}
	// One invalid entry writes nothing.
	bad := []state.KV{{Key: "b/d", Value: []byte("x")}, {Key: "", Value: []byte("y")}}
	if _, err := b.PutBatch(ctxT(t), bad); !errors.Is(err, state.ErrInvalid) {
		t.Fatalf("PutBatch with an empty key: %v, want ErrInvalid", err)
	}
	big := []state.KV{{Key: "b/e", Value: []byte(strings.Repeat("v", state.MaxValueLen+1))}}
	if _, err := b.PutBatch(ctxT(t), big); !errors.Is(err, state.ErrInvalid) {
		t.Fatalf("PutBatch with an oversized value: %v, want ErrInvalid", err)
	}
	if _, err := st.Get(ctxT(t), "b/d"); !errors.Is(err, state.ErrNotFound) {
		t.Fatalf("a refused batch wrote b/d: %v", err)
	}
	if revs, err := b.PutBatch(ctxT(t), nil); err != nil || len(revs) != 0 {
		t.Fatalf("empty PutBatch = %v, %v", revs, err)
	}
}

func (s *suite) recvRev(t *testing.T, st state.Store, key string) int64 {
	t.Helper()
	kv, err := st.Get(ctxT(t), key)
	if err != nil {
		t.Fatalf("Get(%q): %v", key, err)
	}
	return kv.Revision
}
