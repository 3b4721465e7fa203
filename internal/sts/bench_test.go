package sts_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fedstore/fedstore/internal/state/bolt"
)

// BenchmarkExchange measures whole exchanges (RS256 verification, mapping,
// sealing, a durable group-committed bolt record) with b.SetParallelism
// goroutines per CPU: go test -bench Exchange -cpu 1,8,32.
func BenchmarkExchange(b *testing.B) {
	st, err := bolt.Open(filepath.Join(b.TempDir(), "state.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = st.Close() })
	e := newBenchEnv(b, st)
	tok := e.token(nil)
	in := e.input(tok)
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := e.svc.AssumeRoleWithWebIdentity(context.Background(), in); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// BenchmarkLookupCredential measures opening a session token on every S3
// request.
func BenchmarkLookupCredential(b *testing.B) {
	e := newBenchEnv(b, nil)
	out, err := e.exchange(e.token(nil))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := e.svc.LookupCredential(context.Background(), out.AccessKeyID, out.SessionToken); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// FuzzLookupCredential: no input panics, and nothing but an issued token
// authenticates.
func FuzzLookupCredential(f *testing.F) {
	e := newBenchEnv(f, nil)
	out, err := e.exchange(e.token(nil))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(out.AccessKeyID, out.SessionToken[:len(out.SessionToken)-1]+"A")
	f.Add(out.AccessKeyID, "AQ"+strings.Repeat("A", 60))
	f.Add("ASIAAAAAAAAAAAAAAAAA", "")
	f.Add(out.AccessKeyID, out.SessionToken[:40])
	f.Add(out.AccessKeyID, "B"+strings.Repeat("A", 49)) // a reference token's form
	f.Fuzz(func(t *testing.T, ak, tok string) {
		if ak == out.AccessKeyID && tok == out.SessionToken {
			return
		}
		if _, err := e.svc.LookupCredential(context.Background(), ak, tok); err == nil {
			t.Fatalf("LookupCredential(%q, %q) authenticated", ak, tok)
		}
	})
}
