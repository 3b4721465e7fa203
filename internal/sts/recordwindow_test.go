package sts_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/fedstore/fedstore/internal/state"
	"github.com/fedstore/fedstore/internal/state/memory"
	"github.com/fedstore/fedstore/internal/sts"
)

// gatedBatcher is a memory store whose PutBatch waits for the gate to be
// open and can be made to fail; it counts the batches.
type gatedBatcher struct {
	*memory.Store
	mu      sync.Mutex
	open    chan struct{} // closed: commits go through
	fail    error
	batches int
}

func newGated() *gatedBatcher {
	g := &gatedBatcher{Store: memory.New(), open: make(chan struct{})}
	close(g.open)
	return g
}

func (g *gatedBatcher) closeGate() {
	g.mu.Lock()
	g.open = make(chan struct{})
	g.mu.Unlock()
}

func (g *gatedBatcher) openGate() {
	g.mu.Lock()
	close(g.open)
	g.mu.Unlock()
}

func (g *gatedBatcher) setFail(err error) {
	g.mu.Lock()
	g.fail = err
	g.mu.Unlock()
}

func (g *gatedBatcher) PutBatch(ctx context.Context, es []state.BatchEntry) ([]state.BatchResult, error) {
	g.mu.Lock()
	open := g.open
	g.mu.Unlock()
	select {
	case <-open:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	g.mu.Lock()
	g.batches++
	fail := g.fail
	g.mu.Unlock()
	if fail != nil {
		return nil, fail
	}
	return g.Store.PutBatch(ctx, es)
}

func (g *gatedBatcher) numBatches() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.batches
}

func windowService(t *testing.T, e *env, st state.Store, window time.Duration) *sts.Service {
	t.Helper()
	svc, err := sts.New(context.Background(), sts.Config{Store: st, Verifier: e.reg, Policies: e.pols,
		Clock: e.clk.Now, CleanupInterval: -1, RecordWindow: window})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = svc.Close() })
	return svc
}

// waitRecorded polls until the session record of ak is in the store.
func waitRecorded(t *testing.T, st state.Store, ak string, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		_, err := st.Get(context.Background(), sts.PrefixSessions+ak)
		if err == nil {
			return
		}
		if !errors.Is(err, state.ErrNotFound) {
			t.Fatal(err)
		}
		if time.Now().After(deadline) {
			t.Fatalf("session %s not recorded within %v", ak, within)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestRecordWindow: with a window the exchange does not wait for the
// commit, and the record is committed on its own (no other traffic, no
// full batch) within about the window.
func TestRecordWindow(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOpts{})
	st := newGated()
	svc := windowService(t, e, st, 20*time.Millisecond)
	st.closeGate()
	out, err := svc.AssumeRoleWithWebIdentity(context.Background(), e.input(e.token(nil)))
	if err != nil {
		t.Fatalf("exchange while the store cannot commit: %v (an async exchange must not wait)", err)
	}
	if _, err := st.Get(context.Background(), sts.PrefixSessions+out.AccessKeyID); !errors.Is(err, state.ErrNotFound) {
		t.Fatalf("record committed through a closed gate: %v", err)
	}
	st.openGate()
	waitRecorded(t, st, out.AccessKeyID, 10*time.Second)
}

// TestRecordWindowZeroWaits: without a window the exchange returns only
// after its record is committed.
func TestRecordWindowZeroWaits(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOpts{})
	st := newGated()
	svc := windowService(t, e, st, 0)
	st.closeGate()
	done := make(chan error, 1)
	var ak string
	go func() {
		out, err := svc.AssumeRoleWithWebIdentity(context.Background(), e.input(e.token(nil)))
		if err == nil {
			ak = out.AccessKeyID
		}
		done <- err
	}()
	select {
	case err := <-done:
		t.Fatalf("sync exchange returned before its record could be committed: %v", err)
	case <-time.After(100 * time.Millisecond):
	}
	st.openGate()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if _, err := st.Get(context.Background(), sts.PrefixSessions+ak); err != nil {
		t.Fatalf("record of a returned sync exchange: %v", err)
	}
}

// TestRecordWindowShutdownCommits: Close commits what is still queued.
func TestRecordWindowShutdownCommits(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOpts{})
	st := newGated()
	svc, err := sts.New(context.Background(), sts.Config{Store: st, Verifier: e.reg, Policies: e.pols,
		Clock: e.clk.Now, CleanupInterval: -1, RecordWindow: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	var aks []string
	for range 5 {
		out, err := svc.AssumeRoleWithWebIdentity(context.Background(), e.input(e.token(nil)))
		if err != nil {
			t.Fatal(err)
		}
		aks = append(aks, out.AccessKeyID)
	}
	if err := svc.Close(); err != nil {
		t.Fatal(err)
	}
	for _, ak := range aks {
		if _, err := st.Get(context.Background(), sts.PrefixSessions+ak); err != nil {
			t.Errorf("session %s queued at shutdown: %v", ak, err)
		}
	}
}

// TestRecordWindowFailingStore: once a commit fails, exchanges wait for
// their records again and see the failure; when commits succeed again
// they stop waiting.
func TestRecordWindowFailingStore(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOpts{})
	st := newGated()
	svc := windowService(t, e, st, 5*time.Millisecond)
	st.setFail(errors.New("disk on fire"))
	// The first exchange is queued before anyone knows.
	if _, err := svc.AssumeRoleWithWebIdentity(context.Background(), e.input(e.token(nil))); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for st.numBatches() == 0 {
		if time.Now().After(deadline) {
			t.Fatal("no commit was attempted")
		}
		time.Sleep(5 * time.Millisecond)
	}
	_, err := svc.AssumeRoleWithWebIdentity(context.Background(), e.input(e.token(nil)))
	if !errors.Is(err, sts.ErrUnavailable) {
		t.Fatalf("exchange while commits fail: %v, want ErrUnavailable", err)
	}
	st.setFail(nil)
	out, err := svc.AssumeRoleWithWebIdentity(context.Background(), e.input(e.token(nil)))
	if err != nil {
		t.Fatalf("exchange after the store healed: %v", err)
	}
	if _, err := st.Get(context.Background(), sts.PrefixSessions+out.AccessKeyID); err != nil {
		t.Fatalf("the exchange that found the store healed waits for its record: %v", err)
	}
	// And the next one is async again.
	st.closeGate()
	if _, err := svc.AssumeRoleWithWebIdentity(context.Background(), e.input(e.token(nil))); err != nil {
		t.Fatalf("exchange after recovery, store slow: %v (should be async again)", err)
	}
	st.openGate()
}

// TestRecordWindowCollision: in async mode a key drawn twice in the same
// second is caught before it is handed out.
func TestRecordWindowCollision(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOpts{})
	st := memory.New()
	t.Cleanup(func() { _ = st.Close() })
	const twoDraws = 40 + 2*63 // see TestAccessKeyCollision
	svc, err := sts.New(context.Background(), sts.Config{Store: st, Verifier: e.reg, Policies: e.pols,
		Clock: e.clk.Now, CleanupInterval: -1, RecordWindow: time.Hour, Rand: &zeroRand{n: twoDraws}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = svc.Close() })
	out1, err := svc.AssumeRoleWithWebIdentity(context.Background(), e.input(e.token(nil)))
	if err != nil {
		t.Fatal(err)
	}
	out2, err := svc.AssumeRoleWithWebIdentity(context.Background(), e.input(e.token(nil)))
	if err != nil {
		t.Fatal(err)
	}
	if out1.AccessKeyID == out2.AccessKeyID {
		t.Fatalf("two live sessions share the access key %s", out1.AccessKeyID)
	}
}

// TestRecordWindowReadYourWrites: with a long window, listing and revoking
// right after an exchange still see its session (they flush the queue).
func TestRecordWindowReadYourWrites(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOpts{})
	st := newGated()
	svc := windowService(t, e, st, time.Hour)
	out, err := svc.AssumeRoleWithWebIdentity(context.Background(), e.input(e.token(nil)))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	list, err := svc.List(ctx, sts.ListOptions{})
	if err != nil {
		t.Fatalf("List: %v", err)
	}
	if len(list) != 1 || list[0].AccessKey != out.AccessKeyID {
		t.Fatalf("List right after the exchange: %+v, want the session %s", list, out.AccessKeyID)
	}
	out2, err := svc.AssumeRoleWithWebIdentity(context.Background(), e.input(e.token(nil)))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Revoke(ctx, out2.AccessKeyID); err != nil {
		t.Fatalf("Revoke right after the exchange: %v", err)
	}
}
