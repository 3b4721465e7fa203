package sts_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/fedstore/fedstore/internal/authn"
	"github.com/fedstore/fedstore/internal/state"
	"github.com/fedstore/fedstore/internal/state/memory"
	"github.com/fedstore/fedstore/internal/sts"
)

const sessionPolicy = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}`

// countingStore counts the reads of session records.
type countingStore struct {
	*memory.Store
	sessionGets atomic.Int64
}

func (c *countingStore) Get(ctx context.Context, key string) (state.KV, error) {
	if strings.HasPrefix(key, sts.PrefixSessions) {
		c.sessionGets.Add(1)
	}
	return c.Store.Get(ctx, key)
}

func newCountingStore(t testing.TB) *countingStore {
	st := &countingStore{Store: memory.New()}
	t.Cleanup(func() { _ = st.Close() })
	return st
}

// service is another Service (a restarted or second node) on e's store.
func (e *env) service(t *testing.T, cfg sts.Config) *sts.Service {
	t.Helper()
	cfg.Verifier, cfg.Policies, cfg.Clock, cfg.CleanupInterval = e.reg, e.pols, e.clk.Now, -1
	if cfg.Store == nil {
		cfg.Store = e.store
	}
	svc, err := sts.New(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = svc.Close() })
	return svc
}

// exchangeWith exchanges a token with claims beyond the usual (groups)
// and a session policy at svc.
func (e *env) exchangeWith(t *testing.T, svc *sts.Service) *sts.WebIdentityOutput {
	t.Helper()
	in := e.input(e.token(func(c map[string]any) { c["groups"] = []string{"dev", "ops"} }))
	in.Policy = sessionPolicy
	out, err := svc.AssumeRoleWithWebIdentity(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func lookup(svc *sts.Service, out *sts.WebIdentityOutput) (authn.Credential, error) {
	return svc.LookupCredential(context.Background(), out.AccessKeyID, out.SessionToken)
}

// TestReferenceToken: a reference token is 50 characters; every node,
// the issuing one too, reads the session record on the session's first
// request and answers from its cache afterwards, and both
// give the credential a sealed token of the same session gives (but for
// the keys and the token), with the secret the exchange returned.
func TestReferenceToken(t *testing.T) {
	t.Parallel()
	st := newCountingStore(t)
	e := newEnv(t, envOpts{store: st, tokenFormat: sts.TokenFormatReference})
	out := e.exchangeWith(t, e.svc)
	if len(out.SessionToken) != 50 {
		t.Fatalf("reference token of %d characters, want 50", len(out.SessionToken))
	}
	if out.PackedPolicySize == 0 {
		t.Error("PackedPolicySize not reported for a session policy")
	}
	issued, err := lookup(e.svc, out)
	if err != nil {
		t.Fatal(err)
	}
	if n := st.sessionGets.Load(); n != 1 {
		t.Errorf("the issuing node read %d session records, want 1", n)
	}
	if _, err := lookup(e.svc, out); err != nil || st.sessionGets.Load() != 1 {
		t.Errorf("second lookup on the issuing node: %v, %d reads (want it cached)", err, st.sessionGets.Load())
	}
	if issued.SecretKey != out.SecretAccessKey || len(issued.SecretKey) != 40 {
		t.Errorf("secret %q, the exchange answered %q", issued.SecretKey, out.SecretAccessKey)
	}
	other := e.service(t, sts.Config{TokenFormat: sts.TokenFormatSealed})
	fromStore, err := lookup(other, out)
	if err != nil {
		t.Fatalf("another node: %v", err)
	}
	if n := st.sessionGets.Load(); n != 2 {
		t.Errorf("another node read %d session records, want 1 (2 in all)", n)
	}
	if diff := cmp.Diff(issued, fromStore); diff != "" {
		t.Errorf("credential from the record (-issuing node +other node):\n%s", diff)
	}
	if _, err := lookup(other, out); err != nil || st.sessionGets.Load() != 2 {
		t.Errorf("second lookup on the other node: %v, %d reads (want it cached)", err, st.sessionGets.Load())
	}

	// The same session, sealed.
	sealedOut := e.exchangeWith(t, other)
	if len(sealedOut.SessionToken) <= 50 {
		t.Fatalf("sealed token of %d characters", len(sealedOut.SessionToken))
	}
	if sealedOut.PackedPolicySize != out.PackedPolicySize {
		t.Errorf("PackedPolicySize %d sealed, %d reference", sealedOut.PackedPolicySize, out.PackedPolicySize)
	}
	sealed, err := lookup(e.svc, sealedOut) // a reference node opens sealed tokens
	if err != nil {
		t.Fatalf("sealed token on a reference node: %v", err)
	}
	norm := func(c authn.Credential) authn.Credential {
		c.AccessKey, c.SecretKey, c.SessionToken, c.Principal.AccessKey, c.Principal.UserID = "", "", "", "", ""
		return c
	}
	if diff := cmp.Diff(norm(sealed), norm(issued)); diff != "" {
		t.Errorf("reference credential differs from the sealed one (-sealed +reference):\n%s", diff)
	}
	p := issued.Principal
	if p.SessionPolicy != sessionPolicy || len(p.Claims["groups"]) != 2 || p.UserID != out.AccessKeyID+":app" ||
		len(p.Policies) == 0 || !issued.Expiration.Equal(out.Expiration) {
		t.Errorf("principal %+v, expiration %v", p, issued.Expiration)
	}

	// What the admin API lists is unchanged: no claims, session policy or
	// nonce.
	list, err := e.svc.List(context.Background(), sts.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(list)
	for _, field := range []string{"token_nonce", "claims", "session_policy"} {
		if strings.Contains(string(b), field) {
			t.Errorf("List answers %s: %s", field, b)
		}
	}
}

// TestReferenceTokenRefused: every altered token, a token presented with
// another session's access key, an unknown key id and a removed sealing
// key are InvalidToken, on the issuing node (cache) and on another; a
// forgery reads no session record.
func TestReferenceTokenRefused(t *testing.T) {
	t.Parallel()
	st := newCountingStore(t)
	e := newEnv(t, envOpts{store: st, tokenFormat: sts.TokenFormatReference})
	out, err := e.exchange(e.token(nil))
	if err != nil {
		t.Fatal(err)
	}
	out2, err := e.exchange(e.token(nil))
	if err != nil {
		t.Fatal(err)
	}
	other := e.service(t, sts.Config{TokenFormat: sts.TokenFormatReference})
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	type probe struct{ name, ak, tok string }
	var probes []probe
	tok := out.SessionToken
	for i := range len(tok) {
		for _, c := range []byte{alphabet[(strings.IndexByte(alphabet, tok[i])+1)%64], alphabet[(strings.IndexByte(alphabet, tok[i])+33)%64]} {
			probes = append(probes, probe{"altered", out.AccessKeyID, tok[:i] + string(c) + tok[i+1:]})
		}
	}
	probes = append(probes,
		probe{"another session's access key", out2.AccessKeyID, out.SessionToken},
		probe{"truncated", out.AccessKeyID, tok[:49]},
		probe{"extended", out.AccessKeyID, tok + "A"},
		probe{"padded", out.AccessKeyID, tok + "=="},
	)
	for _, svc := range []*sts.Service{e.svc, other} {
		for _, p := range probes {
			_, err := svc.LookupCredential(context.Background(), p.ak, p.tok)
			if !errors.Is(err, authn.ErrInvalidToken) {
				t.Fatalf("%s token %q for %s: %v, want InvalidToken", p.name, p.tok, p.ak, err)
			}
		}
	}
	if n := st.sessionGets.Load(); n != 0 {
		t.Errorf("forged tokens read %d session records", n)
	}

	// Removing the sealing key ends the tokens it authenticated, everywhere.
	if _, err := lookup(other, out); err != nil {
		t.Fatal(err)
	}
	keys := e.svc.Keys()
	if _, err := e.svc.RotateKey(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := st.Delete(context.Background(), sts.PrefixKeys+keys[0].ID, state.AnyRevision); err != nil {
		t.Fatal(err)
	}
	for _, svc := range []*sts.Service{e.svc, other} {
		deadline := time.Now().Add(10 * time.Second)
		for {
			_, err := lookup(svc, out)
			if errors.Is(err, authn.ErrInvalidToken) && strings.Contains(err.Error(), "sealing key is unknown") {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("token of a removed sealing key: %v", err)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
}

// TestReferenceTokenFromQueue: with a record window, a session whose
// record is not committed yet is found in the recorder's queue; once
// committed, in the store. A node that never saw the queue (as after a
// crash) refuses it while the record is missing.
func TestReferenceTokenFromQueue(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOpts{})
	st := newGated()
	svc := e.service(t, sts.Config{Store: st, RecordWindow: time.Hour, TokenFormat: sts.TokenFormatReference})
	st.closeGate()
	out, err := svc.AssumeRoleWithWebIdentity(context.Background(), e.input(e.token(nil)))
	if err != nil {
		t.Fatal(err)
	}
	svc.ForgetOpened(out.AccessKeyID)
	if _, err := lookup(svc, out); err != nil {
		t.Fatalf("session in the queue: %v", err)
	}
	crashed := e.service(t, sts.Config{Store: st, TokenFormat: sts.TokenFormatReference})
	_, err = lookup(crashed, out)
	if !errors.Is(err, authn.ErrInvalidToken) || !strings.Contains(err.Error(), "unknown or lost session") {
		t.Fatalf("session whose record is missing: %v, want InvalidToken (unknown or lost session)", err)
	}
	st.openGate()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := svc.List(ctx, sts.ListOptions{}); err != nil { // commits the queue
		t.Fatal(err)
	}
	svc.ForgetOpened(out.AccessKeyID)
	if _, err := lookup(svc, out); err != nil {
		t.Fatalf("committed session: %v", err)
	}
	if _, err := lookup(crashed, out); err != nil {
		t.Fatalf("committed session on the other node: %v", err)
	}
}

// TestReferenceTokenFailedCommit: a session whose record could not be
// committed keeps working on the node that issued it.
func TestReferenceTokenFailedCommit(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOpts{})
	st := newGated()
	svc := e.service(t, sts.Config{Store: st, RecordWindow: time.Millisecond, TokenFormat: sts.TokenFormatReference})
	st.setFail(errors.New("disk on fire"))
	out, err := svc.AssumeRoleWithWebIdentity(context.Background(), e.input(e.token(nil)))
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for st.numBatches() == 0 {
		if time.Now().After(deadline) {
			t.Fatal("no commit was attempted")
		}
		time.Sleep(5 * time.Millisecond)
	}
	svc.ForgetOpened(out.AccessKeyID)
	if _, err := lookup(svc, out); err != nil {
		t.Fatalf("session whose commit failed, on its node: %v", err)
	}
}

// TestReferenceTokenRestart: after a clean shutdown (the queue is
// committed) a new Service on the store opens the token; with the record
// deleted it refuses it.
func TestReferenceTokenRestart(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOpts{})
	st := memory.New()
	t.Cleanup(func() { _ = st.Close() })
	first, err := sts.New(context.Background(), sts.Config{Store: st, Verifier: e.reg, Policies: e.pols,
		Clock: e.clk.Now, CleanupInterval: -1, RecordWindow: time.Hour, TokenFormat: sts.TokenFormatReference})
	if err != nil {
		t.Fatal(err)
	}
	out := e.exchangeWith(t, first)
	before, err := lookup(first, out)
	if err != nil {
		t.Fatal(err)
	}
	if err := first.Close(); err != nil {
		t.Fatal(err)
	}
	restarted := e.service(t, sts.Config{Store: st, TokenFormat: sts.TokenFormatReference})
	after, err := lookup(restarted, out)
	if err != nil {
		t.Fatalf("after a restart: %v", err)
	}
	if diff := cmp.Diff(before, after); diff != "" {
		t.Errorf("credential after the restart (-before +after):\n%s", diff)
	}
	// A record of another session under the access key (its nonce differs)
	// lends the token nothing.
	key := sts.PrefixSessions + out.AccessKeyID
	kv, err := st.Get(context.Background(), key)
	if err != nil {
		t.Fatal(err)
	}
	var rec map[string]any
	if err := json.Unmarshal(kv.Value, &rec); err != nil {
		t.Fatal(err)
	}
	if rec["token_nonce"] == nil || rec["session_policy"] != sessionPolicy || rec["claims"] == nil {
		t.Fatalf("record %s lacks the reference fields", kv.Value)
	}
	rec["token_nonce"] = "AAAAAAAAAAAAAAAA"
	b, _ := json.Marshal(rec)
	if _, err := st.Put(context.Background(), key, b, state.AnyRevision); err != nil {
		t.Fatal(err)
	}
	foreign := e.service(t, sts.Config{Store: st, TokenFormat: sts.TokenFormatReference})
	if _, err := lookup(foreign, out); !errors.Is(err, authn.ErrInvalidToken) || !strings.Contains(err.Error(), "unknown or lost session") {
		t.Fatalf("record of another session: %v, want InvalidToken (unknown or lost session)", err)
	}
	if err := st.Delete(context.Background(), key, state.AnyRevision); err != nil {
		t.Fatal(err)
	}
	again := e.service(t, sts.Config{Store: st, TokenFormat: sts.TokenFormatReference})
	if _, err := lookup(again, out); !errors.Is(err, authn.ErrInvalidToken) || !strings.Contains(err.Error(), "unknown or lost session") {
		t.Fatalf("record deleted: %v, want InvalidToken (unknown or lost session)", err)
	}
}

// TestReferenceTokenRevokedAndExpired: revocation by access key and by
// subject, and expiry, apply to reference tokens on every node.
func TestReferenceTokenRevokedAndExpired(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOpts{tokenFormat: sts.TokenFormatReference})
	ctx := context.Background()
	byKey, err := e.exchange(e.token(nil))
	if err != nil {
		t.Fatal(err)
	}
	bySubject, err := e.exchange(e.token(func(c map[string]any) { c["sub"] = "bob" }))
	if err != nil {
		t.Fatal(err)
	}
	expiring, err := e.exchange(e.token(nil))
	if err != nil {
		t.Fatal(err)
	}
	other := e.service(t, sts.Config{TokenFormat: sts.TokenFormatReference})
	if _, err := e.svc.Revoke(ctx, byKey.AccessKeyID); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.RevokeSubject(ctx, "bob"); err != nil {
		t.Fatal(err)
	}
	for _, svc := range []*sts.Service{e.svc, other} {
		for _, out := range []*sts.WebIdentityOutput{byKey, bySubject} {
			deadline := time.Now().Add(10 * time.Second)
			for {
				_, err := lookup(svc, out)
				if errors.Is(err, authn.ErrInvalidToken) && strings.Contains(err.Error(), "revoked") {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("revoked session: %v", err)
				}
				time.Sleep(5 * time.Millisecond)
			}
		}
		if _, err := lookup(svc, expiring); err != nil {
			t.Fatal(err)
		}
	}
	third := e.service(t, sts.Config{TokenFormat: sts.TokenFormatReference})
	e.clk.Advance(2 * time.Hour)
	for _, svc := range []*sts.Service{e.svc, other, third} { // cached, cached, cold
		if _, err := lookup(svc, expiring); !errors.Is(err, authn.ErrExpiredToken) {
			t.Fatalf("expired session: %v, want ExpiredToken", err)
		}
	}
}

// BenchmarkLookupCredentialReference measures a reference token's lookup:
// cached (every request after a node's first) and a miss (the tag, a
// store read of the record and the secret's derivation).
func BenchmarkLookupCredentialReference(b *testing.B) {
	e := newEnv(b, envOpts{tokenFormat: sts.TokenFormatReference})
	out, err := e.exchange(e.token(nil))
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	b.Run("cached", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := e.svc.LookupCredential(ctx, out.AccessKeyID, out.SessionToken); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("miss", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			e.svc.ForgetOpened(out.AccessKeyID)
			if _, err := e.svc.LookupCredential(ctx, out.AccessKeyID, out.SessionToken); err != nil {
				b.Fatal(err)
			}
		}
	})
}
