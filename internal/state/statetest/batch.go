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
	kvs := []state.BatchEntry{{Key: "b/a", Value: []byte("1")}, {Key: "b/c", Value: []byte("2")}, {Key: "b/b", Value: []byte("3")}}
	res, err := b.PutBatch(ctxT(t), kvs)
	if err != nil {
		t.Fatalf("PutBatch: %v", err)
	}
	if len(res) != len(kvs) {
		t.Fatalf("PutBatch returned %d results for %d entries", len(res), len(kvs))
	}
	for i := range res {
		if res[i].Err != nil || (i > 0 && res[i].Revision <= res[i-1].Revision) {
			t.Fatalf("results %+v: an error, or revisions that do not grow", res)
		}
	}
	for i, kv := range kvs {
		got, err := st.Get(ctxT(t), kv.Key)
		if err != nil || string(got.Value) != string(kv.Value) || got.Revision != res[i].Revision {
			t.Fatalf("Get(%q) = %q@%d, %v; want %q@%d", kv.Key, got.Value, got.Revision, err, kv.Value, res[i].Revision)
		}
		s.expect(t, ch, state.EventPut, kv.Key, string(kv.Value), res[i].Revision)
	}
	if got := mustList(t, st, "b/", state.ListOptions{}); len(got.KVs) != 3 || got.KVs[1].Key != "b/b" {
		t.Fatalf("List after PutBatch: %+v", got.KVs)
	}
	// One invalid entry writes nothing.
	bad := []state.BatchEntry{{Key: "b/d", Value: []byte("x")}, {Key: "", Value: []byte("y")}}
	if _, err := b.PutBatch(ctxT(t), bad); !errors.Is(err, state.ErrInvalid) {
		t.Fatalf("PutBatch with an empty key: %v, want ErrInvalid", err)
	}
	big := []state.BatchEntry{{Key: "b/e", Value: []byte(strings.Repeat("v", state.MaxValueLen+1))}}
	if _, err := b.PutBatch(ctxT(t), big); !errors.Is(err, state.ErrInvalid) {
		t.Fatalf("PutBatch with an oversized value: %v, want ErrInvalid", err)
	}
	if _, err := st.Get(ctxT(t), "b/d"); !errors.Is(err, state.ErrNotFound) {
		t.Fatalf("a refused batch wrote b/d: %v", err)
	}
	if res, err := b.PutBatch(ctxT(t), nil); err != nil || len(res) != 0 {
		t.Fatalf("empty PutBatch = %v, %v", res, err)
	}
	t.Run("CreateOnly", s.testBatchCreateOnly)
}

// testBatchCreateOnly: a create-only entry whose key exists (in the store,
// or earlier in the same batch) is skipped with ErrConflict, and the rest
// of the batch is written.
func (s *suite) testBatchCreateOnly(t *testing.T) {
	st := s.open(t)
	b, ok := st.(state.Batcher)
	if !ok {
		t.Skip("store does not implement state.Batcher")
	}
	ch, _ := s.watch(t, st, "c/", 0)
	mustPut(t, st, "c/taken", "first", state.MustNotExist)
	taken := s.recvRev(t, st, "c/taken")
	s.expect(t, ch, state.EventPut, "c/taken", "first", taken)
	entries := []state.BatchEntry{
		{Key: "c/a", Value: []byte("a"), CreateOnly: true},
		{Key: "c/taken", Value: []byte("second"), CreateOnly: true},
		{Key: "c/b", Value: []byte("b"), CreateOnly: true},
		{Key: "c/b", Value: []byte("b2"), CreateOnly: true},
		{Key: "c/a", Value: []byte("a2")},
	}
	res, err := b.PutBatch(ctxT(t), entries)
	if err != nil {
		t.Fatalf("PutBatch: %v", err)
	}
	if len(res) != len(entries) {
		t.Fatalf("PutBatch returned %d results for %d entries", len(res), len(entries))
	}
	for i, want := range []bool{true, false, true, false, true} {
		written := res[i].Err == nil
		if written != want || (written && res[i].Revision <= taken) || (!written && (!errors.Is(res[i].Err, state.ErrConflict) || res[i].Revision != 0)) {
			t.Fatalf("entry %d (%s): %+v, want written=%v (or a zero revision and ErrConflict)", i, entries[i].Key, res[i], want)
		}
	}
	for key, want := range map[string]string{"c/taken": "first", "c/a": "a2", "c/b": "b"} {
		if got, err := st.Get(ctxT(t), key); err != nil || string(got.Value) != want {
			t.Fatalf("Get(%q) = %q, %v; want %q", key, got.Value, err, want)
		}
	}
	s.expect(t, ch, state.EventPut, "c/a", "a", res[0].Revision)
	s.expect(t, ch, state.EventPut, "c/b", "b", res[2].Revision)
	s.expect(t, ch, state.EventPut, "c/a", "a2", res[4].Revision)
}

func (s *suite) recvRev(t *testing.T, st state.Store, key string) int64 {
	t.Helper()
	kv, err := st.Get(ctxT(t), key)
	if err != nil {
		t.Fatalf("Get(%q): %v", key, err)
	}
	return kv.Revision
}
