package statetest

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/fedstore/fedstore/internal/state"
)

func (s *suite) testCRUD(t *testing.T) {
	st := s.open(t)
	ctx := ctxT(t)
	if _, err := st.Get(ctx, "k"); !errors.Is(err, state.ErrNotFound) {
		t.Fatalf("Get missing: %v, want ErrNotFound", err)
	}
	r1 := mustPut(t, st, "k", "v1", state.MustNotExist)
	if r1 <= 0 {
		t.Fatalf("first revision %d, want > 0", r1)
	}
	kv, err := st.Get(ctx, "k")
	if err != nil || kv.Key != "k" || string(kv.Value) != "v1" || kv.Revision != r1 {
		t.Fatalf("Get = %+v, %v; want k=v1@%d", kv, err, r1)
	}
	r2 := mustPut(t, st, "other", "x", state.AnyRevision)
	r3 := mustPut(t, st, "k", "v2", r1)
	if r2 <= r1 || r3 <= r2 {
		t.Fatalf("revisions not increasing: %d %d %d", r1, r2, r3)
	}
	kv, err = st.Get(ctx, "k")
	if err != nil || string(kv.Value) != "v2" || kv.Revision != r3 {
		t.Fatalf("Get after update = %+v, %v", kv, err)
	}
	mustDelete(t, st, "k", state.AnyRevision)
	if _, err := st.Get(ctx, "k"); !errors.Is(err, state.ErrNotFound) {
		t.Fatalf("Get deleted: %v, want ErrNotFound", err)
	}
	wantErr(t, "Delete missing", st.Delete(ctx, "k", state.AnyRevision), state.ErrNotFound)
	// A delete takes a revision of its own.
	r4 := mustPut(t, st, "k", "v3", state.MustNotExist)
	if r4 < r3+2 || (!s.shared && r4 != r3+2) {
		t.Fatalf("revision after update %d, delete and re-create = %d, want %d", r3, r4, r3+2)
	}
}

func (s *suite) testValueIsolation(t *testing.T) {
	st := s.open(t)
	ctx := ctxT(t)
	in := []byte("abc")
	if _, err := st.Put(ctx, "k", in, state.AnyRevision); err != nil {
		t.Fatal(err)
	}
	in[0] = 'X'
	kv, err := st.Get(ctx, "k")
	if err != nil || string(kv.Value) != "abc" {
		t.Fatalf("store kept the caller's slice: %q, %v", kv.Value, err)
	}
	kv.Value[0] = 'Y'
	kv2, _ := st.Get(ctx, "k")
	if string(kv2.Value) != "abc" {
		t.Fatalf("store handed out its own slice: %q", kv2.Value)
	}
}

func (s *suite) testInvalid(t *testing.T) {
	st := s.open(t)
	ctx := ctxT(t)
	before := mustList(t, st, "", state.ListOptions{}).Revision
	long := strings.Repeat("k", state.MaxKeyLen+1)
	big := make([]byte, state.MaxValueLen+1)
	tests := []struct {
		name string
		op   func() error
	}{
		{"put empty key", func() error { _, err := st.Put(ctx, "", []byte("v"), state.AnyRevision); return err }},
		{"put long key", func() error { _, err := st.Put(ctx, long, []byte("v"), state.AnyRevision); return err }},
		{"put big value", func() error { _, err := st.Put(ctx, "k", big, state.AnyRevision); return err }},
		{"put expect -2", func() error { _, err := st.Put(ctx, "k", []byte("v"), -2); return err }},
		{"get empty key", func() error { _, err := st.Get(ctx, ""); return err }},
		{"delete empty key", func() error { return st.Delete(ctx, "", state.AnyRevision) }},
		{"delete expect -5", func() error { return st.Delete(ctx, "k", -5) }},
		{"list negative limit", func() error { _, err := st.List(ctx, "", state.ListOptions{Limit: -1}); return err }},
		{"watch negative revision", func() error { _, err := st.Watch(ctx, "", -1); return err }},
	}
	for _, tc := range tests {
		wantErr(t, tc.name, tc.op(), state.ErrInvalid)
	}
	res := mustList(t, st, "", state.ListOptions{})
	if len(res.KVs) != 0 || (!s.shared && res.Revision != before) {
		t.Fatalf("invalid calls changed the store: %d entries, revision %d -> %d", len(res.KVs), before, res.Revision)
	}
	// The limits themselves are accepted.
	mustPut(t, st, long[:state.MaxKeyLen], string(big[:state.MaxValueLen]), state.MustNotExist)
}

// KeyEdgeCases are keys and values every implementation must round-trip.
var KeyEdgeCases = []struct {
	Name  string
	Key   string
	Value []byte
}{
	{"empty value", "empty", []byte{}},
	{"nil value", "nil", nil},
	{"binary key", "bin/\x00\x01\xfe\xff", []byte{0, 1, 2}},
	{"nul only", "\x00", []byte("nul")},
	{"max byte", "\xff\xff", []byte("ff")},
	{"invalid utf8", "bad/\xc3\x28", []byte("x")},
	{"unicode", "uni/ключ/😀", []byte("u")},
	{"slashes", "//a//b//", []byte("s")},
	{"spaces", " lead and trail ", []byte(" ")},
	{"binary value", "binval", []byte{0xff, 0x00, 0x80, '\n'}},
}

func (s *suite) testKeyEdgeCases(t *testing.T) {
	st := s.open(t)
	for _, tc := range KeyEdgeCases {
		CheckRoundTrip(t, st, tc.Key, tc.Value)
	}
}

// CheckRoundTrip writes key=value, reads it back through Get and List, and
// deletes it again. An invalid key or value must fail with state.ErrInvalid
// and store nothing. Fuzz targets of implementations call it.
func CheckRoundTrip(t *testing.T, st state.Store, key string, value []byte) {
	t.Helper()
	ctx := ctxT(t)
	rev, err := st.Put(ctx, key, value, state.AnyRevision)
	if state.CheckPut(key, value, state.AnyRevision) != nil {
		if !errors.Is(err, state.ErrInvalid) {
			t.Fatalf("Put(%q) of invalid input: %v, want ErrInvalid", key, err)
		}
		if key != "" {
			if _, err := st.Get(ctx, key); err == nil {
				t.Fatalf("invalid Put(%q) stored something", key)
			}
		}
		return
	}
	if err != nil {
		t.Fatalf("Put(%q): %v", key, err)
	}
	kv, err := st.Get(ctx, key)
	if err != nil || kv.Key != key || !bytes.Equal(kv.Value, value) || kv.Revision != rev {
		t.Fatalf("Get(%q) = %+v, %v; want value %q rev %d", key, kv, err, value, rev)
	}
	res := mustList(t, st, key, state.ListOptions{Limit: 1})
	if len(res.KVs) != 1 || res.KVs[0].Key != key || !bytes.Equal(res.KVs[0].Value, value) {
		t.Fatalf("List(prefix %q) = %+v", key, res.KVs)
	}
	if err := st.Delete(ctx, key, rev); err != nil {
		t.Fatalf("Delete(%q, %d): %v", key, rev, err)
	}
	if _, err := st.Get(ctx, key); !errors.Is(err, state.ErrNotFound) {
		t.Fatalf("Get(%q) after delete: %v", key, err)
	}
}

func (s *suite) testCAS(t *testing.T) {
	st := s.open(t)
	ctx := ctxT(t)
	r1 := mustPut(t, st, "c", "1", state.MustNotExist)
	failures := []struct {
		name string
		op   func() error
		want error
	}{
		{"create existing", func() error { _, err := st.Put(ctx, "c", []byte("x"), state.MustNotExist); return err }, state.ErrConflict},
		{"stale revision", func() error { _, err := st.Put(ctx, "c", []byte("x"), r1+100); return err }, state.ErrConflict},
		{"expect on missing key", func() error { _, err := st.Put(ctx, "missing", []byte("x"), r1); return err }, state.ErrConflict},
		{"delete stale", func() error { return st.Delete(ctx, "c", r1+100) }, state.ErrConflict},
		{"delete expecting absence", func() error { return st.Delete(ctx, "c", state.MustNotExist) }, state.ErrConflict},
		{"delete missing with revision", func() error { return st.Delete(ctx, "missing", r1) }, state.ErrNotFound},
	}
	for _, tc := range failures {
		wantErr(t, tc.name, tc.op(), tc.want)
	}
	res := mustList(t, st, "", state.ListOptions{})
	if (!s.shared && res.Revision != r1) || len(res.KVs) != 1 || string(res.KVs[0].Value) != "1" {
		t.Fatalf("failed CAS calls changed the store: %+v", res)
	}
	r2 := mustPut(t, st, "c", "2", r1)
	wantErr(t, "put with the old revision", func() error { _, err := st.Put(ctx, "c", []byte("x"), r1); return err }(), state.ErrConflict)
	r3 := mustPut(t, st, "c", "3", state.AnyRevision)
	mustPut(t, st, "fresh", "f", state.AnyRevision)
	wantErr(t, "delete with the old revision", st.Delete(ctx, "c", r2), state.ErrConflict)
	mustDelete(t, st, "c", r3)
	mustPut(t, st, "c", "again", state.MustNotExist)
}

func (s *suite) testConcurrentIncrements(t *testing.T) {
	st := s.open(t)
	const workers, each = 8, 15
	events, _ := s.watch(t, st, "counter", 0)
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx := ctxT(t)
			for i := 0; i < each; i++ {
				for {
					n, rev := 0, state.MustNotExist
					kv, err := st.Get(ctx, "counter")
					switch {
					case err == nil:
						if _, err := fmt.Sscan(string(kv.Value), &n); err != nil {
							errs <- err
							return
						}
						rev = kv.Revision
					case !errors.Is(err, state.ErrNotFound):
						errs <- err
						return
					}
					_, err = st.Put(ctx, "counter", []byte(fmt.Sprint(n+1)), rev)
					if err == nil {
						break
					}
					if !errors.Is(err, state.ErrConflict) {
						errs <- err
						return
					}
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	kv, err := st.Get(ctxT(t), "counter")
	if err != nil || string(kv.Value) != fmt.Sprint(workers*each) {
		t.Fatalf("counter = %q, %v; want %d", kv.Value, err, workers*each)
	}
	// The watcher saw every successful write, in order: values 1..N with
	// strictly increasing revisions.
	var last int64
	for i := 1; i <= workers*each; i++ {
		ev := s.recv(t, events)
		if ev.Type != state.EventPut || string(ev.KV.Value) != fmt.Sprint(i) || ev.KV.Revision <= last {
			t.Fatalf("event %d: %v %q@%d after revision %d", i, ev.Type, ev.KV.Value, ev.KV.Revision, last)
		}
		last = ev.KV.Revision
	}
	if !s.shared && kv.Revision != workers*each {
		t.Fatalf("counter revision %d, want %d (one per successful write)", kv.Revision, workers*each)
	}
}
