package sts_test

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/fedstore/fedstore/internal/state"
	"github.com/fedstore/fedstore/internal/state/bolt"
	"github.com/fedstore/fedstore/internal/state/memory"
	"github.com/fedstore/fedstore/internal/sts"
)

func TestAccessKeysSortByIssueTime(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOpts{})
	var keys []string
	for _, step := range []time.Duration{0, 0, time.Second, time.Minute, 31 * time.Second, 24 * time.Hour, 100 * 24 * time.Hour} {
		e.clk.Advance(step)
		out, err := e.svc.AssumeRoleWithWebIdentity(context.Background(), e.input(e.token(nil)))
		if err != nil {
			t.Fatal(err)
		}
		if !sts.IsSessionAccessKey(out.AccessKeyID) {
			t.Fatalf("%q is not a session access key", out.AccessKeyID)
		}
		keys = append(keys, out.AccessKeyID)
	}
	if keys[0][:9] != keys[1][:9] || keys[0] == keys[1] {
		t.Fatalf("keys of the same second %q, %q: want the same time part and different random parts", keys[0], keys[1])
	}
	for i := 2; i < len(keys); i++ {
		if keys[i][:9] <= keys[i-1][:9] {
			t.Fatalf("key %q issued after %q sorts before it: %q", keys[i], keys[i-1], keys)
		}
	}
}

// zeroRand reads n zero bytes (n < 0: forever), then crypto/rand.
type zeroRand struct{ n int }

func (z *zeroRand) Read(p []byte) (int, error) {
	if z.n == 0 {
		return rand.Read(p)
	}
	if z.n > 0 && len(p) > z.n {
		p = p[:z.n]
	}
	clear(p)
	if z.n > 0 {
		z.n -= len(p)
	}
	return len(p), nil
}

// putOnly hides the Batcher of a store (each record is one Put).
type putOnly struct{ state.Store }

// TestAccessKeyCollision: an access key drawn again in the same second
// never overwrites the recorded session: the exchange draws another key,
// and fails with an internal error when every draw collides.
func TestAccessKeyCollision(t *testing.T) {
	t.Parallel()
	stores := map[string]func(t *testing.T) state.Store{
		"memory": func(*testing.T) state.Store { return memory.New() },
		"bolt": func(t *testing.T) state.Store {
			st, err := bolt.Open(filepath.Join(t.TempDir(), "state.db"), bolt.InsecureNoSync())
			if err != nil {
				t.Fatal(err)
			}
			return st
		},
		"put": func(*testing.T) state.Store { return putOnly{memory.New()} },
	}
	// Bytes read before the second exchange's first draw: the sealing key
	// (8+32) and the first exchange's draw (11+40+12).
	const twoDraws = 40 + 2*63
	for name, open := range stores {
		for _, tc := range []struct {
			name  string
			zeros int
			ok    bool
		}{{"retried", twoDraws, true}, {"every draw collides", -1, false}} {
			t.Run(name+"/"+tc.name, func(t *testing.T) {
				t.Parallel()
				st := open(t)
				t.Cleanup(func() { _ = st.Close() })
				e := newEnv(t, envOpts{store: st})
				svc, err := sts.New(context.Background(), sts.Config{Store: st, Verifier: e.reg, Policies: e.pols,
					Clock: e.clk.Now, CleanupInterval: -1, Rand: &zeroRand{n: tc.zeros}})
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { _ = svc.Close() })
				in := e.input(e.token(nil))
				in.RoleSessionName = "first"
				out1, err := svc.AssumeRoleWithWebIdentity(context.Background(), in)
				if err != nil {
					t.Fatal(err)
				}
				in.RoleSessionName = "second"
				out2, err := svc.AssumeRoleWithWebIdentity(context.Background(), in)
				switch {
				case tc.ok && err != nil:
					t.Fatalf("second exchange: %v", err)
				case tc.ok && (out2.AccessKeyID == out1.AccessKeyID || out2.AccessKeyID[:9] != out1.AccessKeyID[:9]):
					t.Fatalf("second key %q, first %q: want another key of the same second", out2.AccessKeyID, out1.AccessKeyID)
				case !tc.ok && (err == nil || !errors.Is(err, state.ErrConflict) || errors.Is(err, sts.ErrUnavailable)):
					t.Fatalf("second exchange: %v, want an internal error wrapping ErrConflict", err)
				}
				kv, err := st.Get(context.Background(), sts.PrefixSessions+out1.AccessKeyID)
				if err != nil {
					t.Fatal(err)
				}
				var rec sts.Session
				if err := json.Unmarshal(kv.Value, &rec); err != nil || rec.SessionName != "first" {
					t.Fatalf("first session's record %s (%v), want session name \"first\"", kv.Value, err)
				}
				list, err := st.List(context.Background(), sts.PrefixSessions, state.ListOptions{})
				if want := map[bool]int{true: 2, false: 1}[tc.ok]; err != nil || len(list.KVs) != want {
					t.Fatalf("%d session records (%v), want %d", len(list.KVs), err, want)
				}
				if tc.ok && !slices.ContainsFunc(list.KVs, func(kv state.KV) bool { return kv.Key == sts.PrefixSessions+out2.AccessKeyID }) {
					t.Fatalf("no record of the second session %s", out2.AccessKeyID)
				}
			})
		}
	}
}
