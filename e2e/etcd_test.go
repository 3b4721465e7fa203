package e2e

// The etcd state store against a real etcd process (the Debian etcd-server
// binary, or whatever `etcd` is on PATH). Unlike the rest of this package it
// imports fedstore's state packages: the store is a library, and the point
// here is the real server and real outages, not the wire of fedstore.

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/fedstore/fedstore/internal/state"
	"github.com/fedstore/fedstore/internal/state/etcd"
	"github.com/fedstore/fedstore/internal/state/statetest"
)

// etcdProc is one single-member etcd process on fixed loopback ports, so it
// can be stopped and restarted on the same data dir and address.
type etcdProc struct {
	t                  *testing.T
	bin, dir, logPath  string
	clientURL, peerURL string
	cmd                *exec.Cmd
	exited             chan struct{}
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func startEtcdProc(t *testing.T) *etcdProc {
	t.Helper()
	p := &etcdProc{t: t, bin: requireTool(t, "etcd"), dir: t.TempDir()}
	p.logPath = filepath.Join(p.dir, "etcd.log")
	p.clientURL = fmt.Sprintf("http://127.0.0.1:%d", freePort(t))
	p.peerURL = fmt.Sprintf("http://127.0.0.1:%d", freePort(t))
	p.start()
	t.Cleanup(func() {
		p.stop()
		if t.Failed() {
			if b, err := os.ReadFile(p.logPath); err == nil {
				t.Logf("etcd log:\n%s", clip(string(b)))
			}
		}
	})
	return p
}

// start runs etcd and waits until it reports itself healthy.
func (p *etcdProc) start() {
	p.t.Helper()
	logf, err := os.OpenFile(p.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		p.t.Fatal(err)
	}
	defer logf.Close()
	p.cmd = exec.Command(p.bin,
		"--name", "default",
		"--data-dir", filepath.Join(p.dir, "data"),
		"--listen-client-urls", p.clientURL,
		"--advertise-client-urls", p.clientURL,
		"--listen-peer-urls", p.peerURL,
		"--initial-advertise-peer-urls", p.peerURL,
		"--initial-cluster", "default="+p.peerURL,
		"--heartbeat-interval", "50",
		"--election-timeout", "500",
		"--logger", "zap",
		"--log-level", "warn",
	)
	p.cmd.Stdout, p.cmd.Stderr = logf, logf
	if err := p.cmd.Start(); err != nil {
		p.t.Fatalf("start etcd: %v", err)
	}
	p.exited = make(chan struct{})
	go func(cmd *exec.Cmd, done chan struct{}) { _ = cmd.Wait(); close(done) }(p.cmd, p.exited)
	deadline := time.Now().Add(30 * time.Second)
	hc := &http.Client{Timeout: time.Second}
	for {
		resp, err := hc.Get(p.clientURL + "/health")
		if err == nil {
			ok := resp.StatusCode == http.StatusOK
			resp.Body.Close()
			if ok {
				return
			}
		}
		select {
		case <-p.exited:
			b, _ := os.ReadFile(p.logPath)
			p.t.Fatalf("etcd exited during start:\n%s", clip(string(b)))
		default:
		}
		if time.Now().After(deadline) {
			p.t.Fatalf("etcd not healthy at %s after 30s: %v", p.clientURL, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// stop ends the process (SIGTERM, then SIGKILL) and waits for it.
func (p *etcdProc) stop() {
	if p.cmd == nil || p.cmd.Process == nil {
		return
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.exited:
	case <-time.After(10 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.exited
	}
	p.cmd = nil
}

func newEtcdStore(t *testing.T, cfg etcd.Config) *etcd.Store {
	t.Helper()
	s, err := etcd.New(cfg)
	if err != nil {
		t.Fatalf("etcd.New: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// TestEtcdConformance runs the state conformance suite against one real etcd;
// every store has a prefix of its own, so revisions are shared. Compaction is
// left to the embedded-etcd run in internal/state/etcd (compacting a shared
// cluster would break the parallel subtests' watches from old revisions); the
// outage test below checks ErrCompacted against this server too.
func TestEtcdConformance(t *testing.T) {
	t.Parallel()
	p := startEtcdProc(t)
	var n atomic.Int64
	open := func(prefix string) state.Store {
		s, err := etcd.New(etcd.Config{Endpoints: []string{p.clientURL}, Prefix: prefix})
		if err != nil {
			t.Fatalf("etcd.New: %v", err)
		}
		return s
	}
	statetest.Run(t,
		func(t *testing.T) state.Store { return open(fmt.Sprintf("/e2e/%d/", n.Add(1))) },
		statetest.WithSharedRevisions(),
		statetest.WithReopen(func(t *testing.T, old state.Store) state.Store {
			s := old.(*etcd.Store)
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			return open(s.Prefix())
		}))
}

// consumer follows a prefix the way fedstore's caches must: watch, and when
// the channel closes, reload with List and watch again from its revision + 1.
type consumer struct {
	st      state.Store
	prefix  string
	view    map[string]string
	ch      <-chan state.Event
	cancel  context.CancelFunc
	reloads int
	events  []state.Event // delivered by watches, in order
}

func (c *consumer) reload(t *testing.T) {
	t.Helper()
	if c.cancel != nil {
		c.cancel()
	}
	var (
		res state.ListResult
		err error
	)
	// The store may still be reconnecting: retry briefly.
	for range 50 {
		if res, err = c.st.List(context.Background(), c.prefix, state.ListOptions{}); err == nil {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	if err != nil {
		t.Fatalf("reload List: %v", err)
	}
	c.view = map[string]string{}
	for _, kv := range res.KVs {
		c.view[kv.Key] = string(kv.Value)
	}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	ch, err := c.st.Watch(ctx, c.prefix, res.Revision+1)
	if err != nil {
		t.Fatalf("reload Watch: %v", err)
	}
	c.ch, c.cancel = ch, cancel
	c.reloads++
}

// until applies events until the view satisfies done, reloading on close.
func (c *consumer) until(t *testing.T, within time.Duration, done func(map[string]string) bool) {
	t.Helper()
	deadline := time.After(within)
	for !done(c.view) {
		select {
		case ev, ok := <-c.ch:
			if !ok {
				t.Logf("watch channel closed; consumer reloads")
				c.reload(t)
				continue
			}
			if n := len(c.events); n > 0 && ev.KV.Revision <= c.events[n-1].KV.Revision {
				t.Fatalf("event revision %d after %d", ev.KV.Revision, c.events[n-1].KV.Revision)
			}
			c.events = append(c.events, ev)
			if ev.Type == state.EventDelete {
				delete(c.view, ev.KV.Key)
			} else {
				c.view[ev.KV.Key] = string(ev.KV.Value)
			}
		case <-deadline:
			t.Fatalf("consumer view %v not complete after %v", c.view, within)
		}
	}
}

// TestEtcdOutage stops etcd under a live store and watcher: every call fails
// within its timeout with ErrUnavailable; after a restart on the same data
// dir and ports the same store works again, the data is all there, and the
// watcher started before the outage sees every later change (the etcd client
// resumes the watch from its last revision; if the watch had to close, the
// consumer reloads, and still ends up with every change).
func TestEtcdOutage(t *testing.T) {
	t.Parallel()
	p := startEtcdProc(t)
	const reqTimeout = 500 * time.Millisecond
	cfg := etcd.Config{Endpoints: []string{p.clientURL}, Prefix: "/outage/", RequestTimeout: reqTimeout, DialTimeout: time.Second}
	s := newEtcdStore(t, cfg)
	ctx := context.Background()
	r1, err := s.Put(ctx, "o/before", []byte("1"), state.MustNotExist)
	if err != nil {
		t.Fatal(err)
	}
	c := &consumer{st: s, prefix: "o/"}
	c.reload(t)
	if _, err := s.Put(ctx, "o/watched", []byte("w"), state.MustNotExist); err != nil {
		t.Fatal(err)
	}
	c.until(t, 5*time.Second, func(v map[string]string) bool { return v["o/watched"] == "w" })
	firstWatch := c.ch

	p.stop()
	ops := []struct {
		name string
		op   func(ctx context.Context) error
	}{
		{"Get", func(ctx context.Context) error { _, err := s.Get(ctx, "o/before"); return err }},
		{"Put", func(ctx context.Context) error {
			_, err := s.Put(ctx, "o/x", []byte("x"), state.AnyRevision)
			return err
		}},
		{"PutCAS", func(ctx context.Context) error { _, err := s.Put(ctx, "o/before", []byte("2"), r1); return err }},
		{"Delete", func(ctx context.Context) error { return s.Delete(ctx, "o/before", state.AnyRevision) }},
		{"List", func(ctx context.Context) error { _, err := s.List(ctx, "o/", state.ListOptions{}); return err }},
		{"Watch", func(ctx context.Context) error { _, err := s.Watch(ctx, "o/", 0); return err }},
		{"Ping", s.Ping},
		{"New", func(context.Context) error {
			s2, err := etcd.New(cfg)
			if err == nil {
				_ = s2.Close()
			}
			return err
		}},
	}
	for _, tc := range ops {
		start := time.Now()
		err := tc.op(ctx)
		took := time.Since(start)
		if !errors.Is(err, state.ErrUnavailable) {
			t.Errorf("%s during outage: %v, want ErrUnavailable", tc.name, err)
		}
		if took > cfg.DialTimeout+time.Second {
			t.Errorf("%s during outage took %v, want about %v", tc.name, took, reqTimeout)
		}
	}
	// A caller's own shorter deadline wins, and is reported as the caller's.
	short, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	_, err = s.Get(short, "o/before")
	cancel()
	if !errors.Is(err, context.DeadlineExceeded) || errors.Is(err, state.ErrUnavailable) {
		t.Errorf("Get with the caller's deadline during outage: %v", err)
	}

	p.start()
	// The client reconnects on its own; give it a moment, then every call works.
	var pingErr error
	for range 50 {
		if pingErr = s.Ping(ctx); pingErr == nil {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	if pingErr != nil {
		t.Fatalf("store did not recover after etcd restart: %v", pingErr)
	}
	kv, err := s.Get(ctx, "o/before")
	if err != nil || string(kv.Value) != "1" || kv.Revision != r1 {
		t.Fatalf("Get after restart = %+v, %v; want 1@%d", kv, err, r1)
	}
	// Another node writes right after the restart, possibly before the old
	// watch is re-established: none of it may be lost.
	w := newEtcdStore(t, cfg)
	want := map[string]string{"o/before": "1", "o/watched": "w"}
	for i := range 5 {
		k, v := fmt.Sprintf("o/after/%d", i), fmt.Sprint(i)
		if _, err := w.Put(ctx, k, []byte(v), state.MustNotExist); err != nil {
			t.Fatalf("Put after restart: %v", err)
		}
		want[k] = v
	}
	if err := w.Delete(ctx, "o/watched", state.AnyRevision); err != nil {
		t.Fatal(err)
	}
	delete(want, "o/watched")
	if _, err := s.Put(ctx, "o/before", []byte("2"), r1); err != nil {
		t.Fatalf("CAS Put with the pre-outage revision: %v", err)
	}
	want["o/before"] = "2"
	c.until(t, 15*time.Second, func(v map[string]string) bool { return fmt.Sprint(v) == fmt.Sprint(want) })
	if c.ch == firstWatch {
		t.Logf("the watch started before the outage resumed by itself and delivered all %d later events", len(c.events)-1)
		// It delivered every change, in order, with nothing skipped.
		if got := len(c.events); got != 1+5+1+1 {
			t.Fatalf("resumed watch delivered %d events, want 8: %+v", got, c.events)
		}
	} else {
		t.Logf("the watch closed during the outage; the consumer reloaded %d times", c.reloads-1)
	}

	// Compaction on a real server: history before it answers ErrCompacted.
	raw, err := clientv3.New(clientv3.Config{Endpoints: []string{p.clientURL}, DialTimeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	res, err := s.List(ctx, "", state.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := raw.Compact(ctx, res.Revision); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Watch(ctx, "o/", r1); !errors.Is(err, state.ErrCompacted) {
		t.Fatalf("Watch from %d after compaction at %d: %v, want ErrCompacted", r1, res.Revision, err)
	}
}
