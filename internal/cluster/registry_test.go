package cluster

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/fedstore/fedstore/internal/state"
	"github.com/fedstore/fedstore/internal/state/memory"
)

type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

var t0 = time.Date(2026, 11, 29, 9, 0, 0, 0, time.UTC)

func newReg(t *testing.T, st state.Store, clk *fakeClock, id string) *Registry {
	t.Helper()
	r, err := New(st, Node{ID: id, Address: "http://" + id, Version: "v1", State: "memory", StartedAt: t0},
		Options{Heartbeat: 5 * time.Second, StaleAfter: 15 * time.Second, RemoveAfter: time.Minute, Clock: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestCheckID(t *testing.T) {
	t.Parallel()
	long := make([]byte, MaxNodeIDLen+1)
	for i := range long {
		long[i] = 'a'
	}
	tests := []struct {
		id string
		ok bool
	}{
		{"node-1", true},
		{"host.example.com:9000", true},
		{"a_b", true},
		{"", false},
		{"a/b", false},
		{"a b", false},
		{string(long), false},
		{string(long[1:]), true},
	}
	for _, tc := range tests {
		err := CheckID(tc.id)
		if (err == nil) != tc.ok {
			t.Errorf("CheckID(%q) = %v, want ok=%v", tc.id, err, tc.ok)
		}
		if err != nil && !errors.Is(err, ErrInvalidNode) {
			t.Errorf("CheckID(%q) = %v, not ErrInvalidNode", tc.id, err)
		}
	}
}

func TestNewRefuses(t *testing.T) {
	t.Parallel()
	st := memory.New()
	t.Cleanup(func() { _ = st.Close() })
	tests := []struct {
		name  string
		store state.Store
		node  Node
		opts  Options
	}{
		{"no store", nil, Node{ID: "a"}, Options{}},
		{"bad id", st, Node{ID: "a/b"}, Options{}},
		{"remove before stale", st, Node{ID: "a"}, Options{StaleAfter: time.Minute, RemoveAfter: time.Second}},
	}
	for _, tc := range tests {
		if _, err := New(tc.store, tc.node, tc.opts); err == nil {
			t.Errorf("%s: New succeeded", tc.name)
		}
	}
}

// TestStatusAndAgeing: nodes heartbeat; one stops, is reported stale after
// StaleAfter and removed by another node's sweep after RemoveAfter.
func TestStatusAndAgeing(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := memory.New()
	t.Cleanup(func() { _ = st.Close() })
	clk := &fakeClock{now: t0}
	a, b := newReg(t, st, clk, "a"), newReg(t, st, clk, "b")
	for _, r := range []*Registry{a, b} {
		if err := r.Register(ctx); err != nil {
			t.Fatal(err)
		}
	}
	statuses := func() map[string]string {
		t.Helper()
		nodes, rev, err := a.Nodes(ctx)
		if err != nil || rev <= 0 {
			t.Fatalf("Nodes: %v (rev %d)", err, rev)
		}
		m := map[string]string{}
		for _, n := range nodes {
			m[n.ID] = n.Status
			if n.Self != (n.ID == "a") {
				t.Errorf("node %s Self=%v", n.ID, n.Self)
			}
		}
		return m
	}
	steps := []struct {
		advance time.Duration
		beatA   bool
		want    map[string]string
	}{
		{0, false, map[string]string{"a": StatusUp, "b": StatusUp}},
		{10 * time.Second, true, map[string]string{"a": StatusUp, "b": StatusUp}},
		{10 * time.Second, true, map[string]string{"a": StatusUp, "b": StatusStale}},
		{30 * time.Second, true, map[string]string{"a": StatusUp, "b": StatusStale}},
		{25 * time.Second, true, map[string]string{"a": StatusUp}}, // b's heartbeat is 65s old
	}
	for i, s := range steps {
		clk.Add(s.advance)
		if s.beatA {
			a.beat(ctx)
		}
		got := statuses()
		if len(got) != len(s.want) {
			t.Fatalf("step %d: %v, want %v", i, got, s.want)
		}
		for id, w := range s.want {
			if got[id] != w {
				t.Fatalf("step %d: %v, want %v", i, got, s.want)
			}
		}
	}
	// b comes back: registered again, up.
	if err := b.Register(ctx); err != nil {
		t.Fatal(err)
	}
	if got := statuses(); got["b"] != StatusUp {
		t.Fatalf("after b re-registers: %v", got)
	}
}

// TestSweepRace: a late heartbeat between a sweeper's read and its delete
// wins; two sweepers never fail each other.
func TestSweepRace(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := memory.New()
	t.Cleanup(func() { _ = st.Close() })
	clk := &fakeClock{now: t0}
	a, b, c := newReg(t, st, clk, "a"), newReg(t, st, clk, "b"), newReg(t, st, clk, "c")
	if err := c.Register(ctx); err != nil {
		t.Fatal(err)
	}
	clk.Add(2 * time.Minute)
	var wg sync.WaitGroup
	counts := make([]int, 2)
	for i, r := range []*Registry{a, b} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			n, err := r.sweep(ctx)
			if err != nil {
				t.Errorf("sweep: %v", err)
			}
			counts[i] = n
		}()
	}
	wg.Wait()
	if counts[0]+counts[1] != 1 {
		t.Fatalf("sweeps deleted %v entries, want 1 in total", counts)
	}
	// A stale entry refreshed after a sweeper read it survives that sweep.
	if err := c.Register(ctx); err != nil {
		t.Fatal(err)
	}
	kv, err := st.Get(ctx, PrefixNodes+"c")
	if err != nil {
		t.Fatal(err)
	}
	clk.Add(2 * time.Minute)
	if err := c.Register(ctx); err != nil { // the late heartbeat
		t.Fatal(err)
	}
	if err := st.Delete(ctx, kv.Key, kv.Revision); !errors.Is(err, state.ErrConflict) {
		t.Fatalf("delete on the old revision: %v, want ErrConflict", err)
	}
	if _, err := st.Get(ctx, PrefixNodes+"c"); err != nil {
		t.Fatalf("refreshed entry gone: %v", err)
	}
}

// TestRunDeregisters: Run writes the entry at once and deletes it when its
// context ends; a store failure is retried, not fatal.
func TestRunDeregisters(t *testing.T) {
	t.Parallel()
	st := memory.New()
	t.Cleanup(func() { _ = st.Close() })
	r, err := New(st, Node{ID: "n1", StartedAt: t0}, Options{Heartbeat: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { r.Run(ctx); close(done) }()
	deadline := time.Now().Add(5 * time.Second)
	for {
		if _, err := st.Get(context.Background(), PrefixNodes+"n1"); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("Run did not register the node")
		}
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	<-done
	if _, err := st.Get(context.Background(), PrefixNodes+"n1"); !errors.Is(err, state.ErrNotFound) {
		t.Fatalf("entry after Run ended: %v, want ErrNotFound", err)
	}
}

func TestMalformedEntrySkipped(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := memory.New()
	t.Cleanup(func() { _ = st.Close() })
	clk := &fakeClock{now: t0}
	a := newReg(t, st, clk, "a")
	if err := a.Register(ctx); err != nil {
		t.Fatal(err)
	}
	for k, v := range map[string]string{"junk": "{not json", "mismatch": `{"id":"other"}`} {
		if _, err := st.Put(ctx, PrefixNodes+k, []byte(v), state.AnyRevision); err != nil {
			t.Fatal(err)
		}
	}
	nodes, _, err := a.Nodes(ctx)
	if err != nil || len(nodes) != 1 || nodes[0].ID != "a" || nodes[0].Address != "http://a" || nodes[0].Version != "v1" {
		t.Fatalf("Nodes = %+v, %v", nodes, err)
	}
}
