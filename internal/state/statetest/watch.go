package statetest

import (
	"context"
	"errors"
	"testing"

	"github.com/fedstore/fedstore/internal/state"
)

func (s *suite) watch(t *testing.T, st state.Store, prefix string, from int64) (<-chan state.Event, context.CancelFunc) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	ch, err := st.Watch(ctx, prefix, from)
	if err != nil {
		t.Fatalf("Watch(%q, %d): %v", prefix, from, err)
	}
	return ch, cancel
}

func (s *suite) expect(t *testing.T, ch <-chan state.Event, typ state.EventType, key, value string, rev int64) {
	t.Helper()
	ev := s.recv(t, ch)
	if ev.Type != typ || ev.KV.Key != key || ev.KV.Revision != rev {
		t.Fatalf("event %v %q@%d, want %v %q@%d", ev.Type, ev.KV.Key, ev.KV.Revision, typ, key, rev)
	}
	if typ == state.EventPut && string(ev.KV.Value) != value {
		t.Fatalf("event value %q, want %q", ev.KV.Value, value)
	}
	if typ == state.EventDelete && ev.KV.Value != nil {
		t.Fatalf("delete event carries a value %q", ev.KV.Value)
	}
}

// expectDelete receives the delete event of key, made after revision after
// and before a List answered revision listed, and returns its revision.
// Delete does not return its revision, so where other writers share the
// store's revisions (WithSharedRevisions) the List may come later than the
// delete, and only the bounds are known; otherwise it is listed exactly.
func (s *suite) expectDelete(t *testing.T, ch <-chan state.Event, key string, after, listed int64) int64 {
	t.Helper()
	ev := s.recv(t, ch)
	rev := ev.KV.Revision
	ok := rev == listed
	if s.shared {
		ok = rev > after && rev <= listed
	}
	if ev.Type != state.EventDelete || ev.KV.Key != key || !ok {
		t.Fatalf("event %v %q@%d, want %v %q after %d, at %d at the latest (shared revisions: %v)", ev.Type, ev.KV.Key, rev, state.EventDelete, key, after, listed, s.shared)
	}
	if ev.KV.Value != nil {
		t.Fatalf("delete event carries a value %q", ev.KV.Value)
	}
	return rev
}

func (s *suite) testWatchOrdering(t *testing.T) {
	st := s.open(t)
	ch, _ := s.watch(t, st, "w/", 0)
	all, _ := s.watch(t, st, "", 0)
	ra := mustPut(t, st, "w/a", "1", state.MustNotExist)
	rx := mustPut(t, st, "x/ignored", "x", state.MustNotExist)
	rb := mustPut(t, st, "w/b", "2", state.MustNotExist)
	ra2 := mustPut(t, st, "w/a", "3", ra)
	mustDelete(t, st, "w/a", ra2)
	rd := mustList(t, st, "", state.ListOptions{}).Revision
	s.expect(t, ch, state.EventPut, "w/a", "1", ra)
	s.expect(t, ch, state.EventPut, "w/b", "2", rb)
	s.expect(t, ch, state.EventPut, "w/a", "3", ra2)
	rd = s.expectDelete(t, ch, "w/a", ra2, rd)
	quiet(t, ch)
	s.expect(t, all, state.EventPut, "w/a", "1", ra)
	s.expect(t, all, state.EventPut, "x/ignored", "x", rx)
	s.expect(t, all, state.EventPut, "w/b", "2", rb)
	s.expect(t, all, state.EventPut, "w/a", "3", ra2)
	s.expect(t, all, state.EventDelete, "w/a", "", rd)
}

func (s *suite) testWatchReplay(t *testing.T) {
	st := s.open(t)
	r1 := mustPut(t, st, "r/1", "a", state.AnyRevision)
	r2 := mustPut(t, st, "r/2", "b", state.AnyRevision)
	mustDelete(t, st, "r/1", r1)
	r3 := mustList(t, st, "", state.ListOptions{}).Revision
	ch, _ := s.watch(t, st, "r/", r2)
	s.expect(t, ch, state.EventPut, "r/2", "b", r2)
	r3 = s.expectDelete(t, ch, "r/1", r2, r3)
	r4 := mustPut(t, st, "r/3", "c", state.AnyRevision)
	s.expect(t, ch, state.EventPut, "r/3", "c", r4)
	// Two watchers from the same revision see the same history.
	ch2, _ := s.watch(t, st, "r/", r1)
	s.expect(t, ch2, state.EventPut, "r/1", "a", r1)
	s.expect(t, ch2, state.EventPut, "r/2", "b", r2)
	s.expect(t, ch2, state.EventDelete, "r/1", "", r3)
	s.expect(t, ch2, state.EventPut, "r/3", "c", r4)
}

func (s *suite) testWatchFromNow(t *testing.T) {
	st := s.open(t)
	mustPut(t, st, "n/old", "old", state.AnyRevision)
	ch, _ := s.watch(t, st, "n/", 0)
	r := mustPut(t, st, "n/new", "new", state.AnyRevision)
	s.expect(t, ch, state.EventPut, "n/new", "new", r)
	quiet(t, ch)
}

func (s *suite) testWatchFuture(t *testing.T) {
	st := s.open(t)
	cur := mustPut(t, st, "f/0", "0", state.AnyRevision)
	ch, _ := s.watch(t, st, "f/", cur+2)
	mustPut(t, st, "f/1", "1", state.AnyRevision)
	r2 := mustPut(t, st, "f/2", "2", state.AnyRevision)
	if !s.shared && r2 != cur+2 {
		t.Fatalf("revision %d, want %d", r2, cur+2)
	}
	ev := s.recv(t, ch)
	if ev.KV.Revision < cur+2 {
		t.Fatalf("watch from %d delivered revision %d", cur+2, ev.KV.Revision)
	}
	if !s.shared && ev.KV.Key != "f/2" {
		t.Fatalf("watch from %d delivered %q", cur+2, ev.KV.Key)
	}
}

func (s *suite) testWatchFollowsList(t *testing.T) {
	st := s.open(t)
	mustPut(t, st, "l/a", "1", state.AnyRevision)
	res := mustList(t, st, "l/", state.ListOptions{})
	// A write between List and Watch must not be lost.
	r := mustPut(t, st, "l/b", "2", state.AnyRevision)
	ch, _ := s.watch(t, st, "l/", res.Revision+1)
	s.expect(t, ch, state.EventPut, "l/b", "2", r)
}

func (s *suite) testWatchCancel(t *testing.T) {
	st := s.open(t)
	ch, cancel := s.watch(t, st, "", 0)
	other, _ := s.watch(t, st, "", 0)
	cancel()
	s.closed(t, ch)
	// The other watch and the store are unaffected.
	r := mustPut(t, st, "c", "v", state.AnyRevision)
	s.expect(t, other, state.EventPut, "c", "v", r)
	// Writers never block on a watcher that stopped reading.
	stalled, _ := s.watch(t, st, "", 0)
	for i := 0; i < 50; i++ {
		mustPut(t, st, "c", "v", state.AnyRevision)
	}
	_ = stalled
	// A watch started with a done context fails or closes at once.
	done, cancelDone := context.WithCancel(context.Background())
	cancelDone()
	if ch, err := st.Watch(done, "", 0); err == nil {
		s.closed(t, ch)
	}
}

func (s *suite) testWatchCompacted(t *testing.T) {
	if s.compact == nil {
		t.Skip("no compaction hook")
	}
	st := s.open(t)
	r1 := mustPut(t, st, "k/1", "a", state.AnyRevision)
	r2 := mustPut(t, st, "k/2", "b", state.AnyRevision)
	r3 := mustPut(t, st, "k/3", "c", state.AnyRevision)
	s.compact(t, st, r2)
	for _, from := range []int64{r1, r2} {
		if _, err := st.Watch(ctxT(t), "k/", from); !errors.Is(err, state.ErrCompacted) {
			t.Fatalf("Watch from compacted revision %d: %v, want ErrCompacted", from, err)
		}
	}
	ch, _ := s.watch(t, st, "k/", r3)
	s.expect(t, ch, state.EventPut, "k/3", "c", r3)
	// The data itself is intact: reload and follow on.
	res := mustList(t, st, "k/", state.ListOptions{})
	if len(res.KVs) != 3 {
		t.Fatalf("compaction lost data: %+v", res.KVs)
	}
	follow, _ := s.watch(t, st, "k/", res.Revision+1)
	r4 := mustPut(t, st, "k/4", "d", state.AnyRevision)
	s.expect(t, follow, state.EventPut, "k/4", "d", r4)
}

func (s *suite) testClose(t *testing.T) {
	st := s.newStore(t)
	mustPut(t, st, "a", "1", state.AnyRevision)
	ch, _ := s.watch(t, st, "", 0)
	if err := st.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	s.closed(t, ch)
	ctx := ctxT(t)
	ops := []struct {
		name string
		op   func() error
	}{
		{"Get", func() error { _, err := st.Get(ctx, "a"); return err }},
		{"Put", func() error { _, err := st.Put(ctx, "a", []byte("2"), state.AnyRevision); return err }},
		{"Delete", func() error { return st.Delete(ctx, "a", state.AnyRevision) }},
		{"List", func() error { _, err := st.List(ctx, "", state.ListOptions{}); return err }},
		{"Watch", func() error { _, err := st.Watch(ctx, "", 0); return err }},
	}
	for _, tc := range ops {
		wantErr(t, tc.name+" after Close", tc.op(), state.ErrClosed)
	}
	if err := st.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
}

func (s *suite) testPersistence(t *testing.T) {
	if s.reopen == nil {
		t.Skip("no reopen hook")
	}
	st := s.newStore(t)
	mustPut(t, st, "keep", "1", state.AnyRevision)
	rGone := mustPut(t, st, "gone", "x", state.AnyRevision)
	mustDelete(t, st, "gone", rGone)
	rBin := mustPut(t, st, "bin\x00\xff", "\x00\x01", state.AnyRevision)
	before := mustList(t, st, "", state.ListOptions{})
	st = s.reopen(t, st)
	t.Cleanup(func() { _ = st.Close() })
	after := mustList(t, st, "", state.ListOptions{})
	if !s.shared && after.Revision != before.Revision {
		t.Fatalf("revision after reopen %d, want %d", after.Revision, before.Revision)
	}
	if len(after.KVs) != len(before.KVs) {
		t.Fatalf("entries after reopen %+v, want %+v", after.KVs, before.KVs)
	}
	for i := range before.KVs {
		b, a := before.KVs[i], after.KVs[i]
		if a.Key != b.Key || string(a.Value) != string(b.Value) || a.Revision != b.Revision {
			t.Fatalf("entry %d after reopen %+v, want %+v", i, a, b)
		}
	}
	if _, err := st.Get(ctxT(t), "gone"); !errors.Is(err, state.ErrNotFound) {
		t.Fatalf("deleted key after reopen: %v", err)
	}
	// CAS against the pre-reopen revision still works; new revisions keep growing.
	ch, _ := s.watch(t, st, "", after.Revision+1)
	r := mustPut(t, st, "bin\x00\xff", "new", rBin)
	if r <= before.Revision {
		t.Fatalf("revision after reopen %d, want > %d", r, before.Revision)
	}
	s.expect(t, ch, state.EventPut, "bin\x00\xff", "new", r)
}
