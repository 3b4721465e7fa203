package etcd_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"log/slog"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/fedstore/fedstore/internal/state"
	"github.com/fedstore/fedstore/internal/state/etcd"
)

func TestConfigInvalid(t *testing.T) {
	t.Parallel()
	ep := []string{"http://127.0.0.1:1"}
	tests := []struct {
		name string
		cfg  etcd.Config
	}{
		{"no endpoints", etcd.Config{}},
		{"empty endpoint", etcd.Config{Endpoints: []string{""}}},
		{"all-0xff prefix", etcd.Config{Endpoints: ep, Prefix: "\xff\xff"}},
		{"negative timeout", etcd.Config{Endpoints: ep, RequestTimeout: -time.Second}},
		{"negative queue", etcd.Config{Endpoints: ep, WatchQueue: -1}},
		{"TLS config and files", etcd.Config{Endpoints: ep, TLS: &tls.Config{}, CAFile: "ca.pem"}},
		{"cert without key", etcd.Config{Endpoints: ep, CertFile: "c.pem"}},
		{"password without user", etcd.Config{Endpoints: ep, Password: "secret"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s, err := etcd.New(tc.cfg)
			if !errors.Is(err, state.ErrInvalid) {
				if s != nil {
					_ = s.Close()
				}
				t.Fatalf("New: %v, want ErrInvalid", err)
			}
		})
	}
	// Unreadable TLS files are reported before any dialling.
	_, err := etcd.New(etcd.Config{Endpoints: ep, CAFile: "/nonexistent/ca.pem"})
	if err == nil || !strings.Contains(err.Error(), "TLS files") {
		t.Fatalf("New with a missing CA file: %v", err)
	}
}

func TestLogValueHidesPassword(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&buf, nil))
	log.Info("config", "etcd", etcd.Config{Endpoints: []string{"http://e:2379"}, Username: "fed", Password: "hunter2-secret"})
	if out := buf.String(); strings.Contains(out, "hunter2") || !strings.Contains(out, `"password_set":true`) || !strings.Contains(out, "http://e:2379") {
		t.Fatalf("logged config: %s", out)
	}
}

// deadEndpoint is a loopback address nothing listens on.
func deadEndpoint(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	_ = l.Close()
	return "http://" + addr
}

func TestNewUnreachable(t *testing.T) {
	t.Parallel()
	start := time.Now()
	s, err := etcd.New(etcd.Config{Endpoints: []string{deadEndpoint(t)}, DialTimeout: 300 * time.Millisecond})
	if !errors.Is(err, state.ErrUnavailable) {
		if s != nil {
			_ = s.Close()
		}
		t.Fatalf("New against a dead endpoint: %v, want ErrUnavailable", err)
	}
	if took := time.Since(start); took > 3*time.Second {
		t.Fatalf("New took %v with a 300ms dial timeout", took)
	}
	// The error says why, not only that the deadline passed.
	if !strings.Contains(err.Error(), "connection refused") {
		t.Fatalf("New against a dead endpoint does not say why: %v", err)
	}
}

// TestOutage stops the embedded etcd under a live store: every call fails
// within the request timeout with ErrUnavailable; a caller's own earlier
// deadline is reported as the caller's; Close still ends the watches.
// (e2e/etcd_test.go restarts a real etcd and checks the recovery.)
func TestOutage(t *testing.T) {
	t.Parallel()
	n := startEtcd(t)
	const timeout = 300 * time.Millisecond
	s := open(t, etcd.Config{Endpoints: []string{n.endpoint}, RequestTimeout: timeout})
	ctx := context.Background()
	rev, err := s.Put(ctx, "k", []byte("v"), state.MustNotExist)
	if err != nil {
		t.Fatal(err)
	}
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	ch, err := s.Watch(wctx, "", 0)
	if err != nil {
		t.Fatal(err)
	}
	n.stop()
	ops := []struct {
		name string
		op   func(ctx context.Context) error
	}{
		{"Get", func(ctx context.Context) error { _, err := s.Get(ctx, "k"); return err }},
		{"Put", func(ctx context.Context) error { _, err := s.Put(ctx, "k", []byte("x"), state.AnyRevision); return err }},
		{"PutCAS", func(ctx context.Context) error { _, err := s.Put(ctx, "k", []byte("x"), rev); return err }},
		{"Create", func(ctx context.Context) error {
			_, err := s.Put(ctx, "new", []byte("x"), state.MustNotExist)
			return err
		}},
		{"Delete", func(ctx context.Context) error { return s.Delete(ctx, "k", state.AnyRevision) }},
		{"DeleteCAS", func(ctx context.Context) error { return s.Delete(ctx, "k", rev) }},
		{"List", func(ctx context.Context) error { _, err := s.List(ctx, "", state.ListOptions{}); return err }},
		{"Watch", func(ctx context.Context) error { _, err := s.Watch(ctx, "", 0); return err }},
		{"WatchFrom", func(ctx context.Context) error { _, err := s.Watch(ctx, "", rev); return err }},
		{"Ping", s.Ping},
	}
	for _, tc := range ops {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			start := time.Now()
			err := tc.op(ctx)
			if !errors.Is(err, state.ErrUnavailable) {
				t.Fatalf("%s: %v, want ErrUnavailable", tc.name, err)
			}
			if took := time.Since(start); took > timeout+2*time.Second {
				t.Fatalf("%s took %v with a %v timeout", tc.name, took, timeout)
			}
			short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
			defer cancel()
			if err := tc.op(short); !errors.Is(err, context.DeadlineExceeded) || errors.Is(err, state.ErrUnavailable) {
				t.Fatalf("%s with the caller's shorter deadline: %v, want the caller's DeadlineExceeded", tc.name, err)
			}
		})
	}
	t.Cleanup(func() {
		// Runs after the parallel subtests: Close ends the watch promptly.
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
		select {
		case _, ok := <-ch:
			if ok {
				t.Error("watch delivered an event during the outage")
			}
		case <-time.After(5 * time.Second):
			t.Error("Close did not end the watch")
		}
	})
}

func TestPrefixIsolation(t *testing.T) {
	t.Parallel()
	n := startEtcd(t)
	a := open(t, etcd.Config{Endpoints: []string{n.endpoint}})
	b := open(t, etcd.Config{Endpoints: []string{n.endpoint}, Prefix: "/other/"})
	ctx := context.Background()
	if a.Prefix() != etcd.DefaultPrefix {
		t.Fatalf("default prefix %q", a.Prefix())
	}
	if _, err := a.Put(ctx, "k", []byte("a"), state.MustNotExist); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Put(ctx, "k", []byte("b"), state.MustNotExist); err != nil {
		t.Fatalf("same key under another prefix: %v", err)
	}
	raw := client(t, n.endpoint)
	resp, err := raw.Get(ctx, "/fedstore/k")
	if err != nil || len(resp.Kvs) != 1 || string(resp.Kvs[0].Value) != "a" {
		t.Fatalf("raw /fedstore/k = %+v, %v", resp, err)
	}
	// A key that only shares the prefix's spelling without the slash is
	// outside the namespace.
	if _, err := raw.Put(ctx, "/fedstorek", "outside"); err != nil {
		t.Fatal(err)
	}
	res, err := a.List(ctx, "", state.ListOptions{})
	if err != nil || len(res.KVs) != 1 || res.KVs[0].Key != "k" || string(res.KVs[0].Value) != "a" {
		t.Fatalf("List of the default namespace = %+v, %v", res.KVs, err)
	}
	kv, err := b.Get(ctx, "k")
	if err != nil || string(kv.Value) != "b" {
		t.Fatalf("Get under /other/ = %+v, %v", kv, err)
	}
}

// TestWatchOverflow: a watcher that stops reading is closed once WatchQueue
// events wait for it; writers are never held up.
func TestWatchOverflow(t *testing.T) {
	t.Parallel()
	n := startEtcd(t)
	s := open(t, etcd.Config{Endpoints: []string{n.endpoint}, WatchQueue: 2})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ch, err := s.Watch(ctx, "", 0)
	if err != nil {
		t.Fatal(err)
	}
	// Enough writes that etcd's watch stream has delivered more than two
	// of them before the test reads any, however loaded the machine: with
	// ten, a busy CI machine once delivered them only as the test read.
	for i := range 100 {
		if _, err := s.Put(ctx, "k", []byte{byte(i)}, state.AnyRevision); err != nil {
			t.Fatal(err)
		}
	}
	got := 0
	deadline := time.After(5 * time.Second)
	for {
		select {
		case _, ok := <-ch:
			if !ok {
				if got > 2 {
					t.Fatalf("%d events queued with WatchQueue 2", got)
				}
				return
			}
			got++
		case <-deadline:
			t.Fatalf("stalled watcher not closed (%d events)", got)
		}
	}
}
