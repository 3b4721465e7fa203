package oidc

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/fedstore/fedstore/internal/oidc/oidctest"
)

func mustVerify(t *testing.T, p interface {
	Verify(context.Context, string) (*Claims, error)
}, tok string) {
	t.Helper()
	if _, err := p.Verify(t.Context(), tok); err != nil {
		t.Fatalf("Verify: %v", err)
	}
}

func mustRefuse(t *testing.T, p *Provider, tok string, kind error, msg string) {
	t.Helper()
	_, err := p.Verify(t.Context(), tok)
	if !errors.Is(err, kind) {
		t.Fatalf("Verify: %v, want %v", err, kind)
	}
	if !strings.Contains(err.Error(), msg) {
		t.Fatalf("error %q does not contain %q", err, msg)
	}
}

func TestKeyRotationAtLiveIdP(t *testing.T) {
	t.Parallel()
	clk := newClock()
	oldKey, newK := oidctest.NewKey(t, "old", jose.RS256), oidctest.NewKey(t, "new", jose.RS256)
	idp := newIdP(t, oldKey)
	p := idp.provider(t, clk)
	if got := idp.jwksHits.Load(); got != 1 {
		t.Fatalf("JWKS fetched %d times at start, want 1", got)
	}
	mustVerify(t, p, oidctest.Mint(t, oldKey, idp.claims(clk.Now()), oidctest.MintOptions{}))

	idp.setKeys(newK) // rotation: old removed, new added
	// Within the rate-limit window of the initial fetch: no refetch.
	mustRefuse(t, p, oidctest.Mint(t, newK, idp.claims(clk.Now()), oidctest.MintOptions{}), ErrInvalidToken, `key id "new" is not in the provider's JWKS`)
	if got := idp.jwksHits.Load(); got != 1 {
		t.Fatalf("JWKS fetched %d times, want 1 (rate limited)", got)
	}
	clk.Advance(11 * time.Second)
	mustVerify(t, p, oidctest.Mint(t, newK, idp.claims(clk.Now()), oidctest.MintOptions{}))
	if got := idp.jwksHits.Load(); got != 2 {
		t.Fatalf("JWKS fetched %d times, want 2 (one refetch for the unknown kid)", got)
	}
	// The old key was dropped with that refetch.
	mustRefuse(t, p, oidctest.Mint(t, oldKey, idp.claims(clk.Now()), oidctest.MintOptions{}), ErrInvalidToken, `key id "old" is not in the provider's JWKS`)
	// An unknown kid now: refused without another fetch.
	mustRefuse(t, p, oidctest.Mint(t, newK, idp.claims(clk.Now()), oidctest.MintOptions{KID: "other"}), ErrInvalidToken, `key id "other"`)
	if got := idp.jwksHits.Load(); got != 2 {
		t.Fatalf("JWKS fetched %d times, want 2", got)
	}
	// Tokens without kid also benefit from a refetch after rotation.
	third := oidctest.NewKey(t, "third", jose.RS256)
	idp.setKeys(newK, third)
	clk.Advance(11 * time.Second)
	mustVerify(t, p, oidctest.Mint(t, third, idp.claims(clk.Now()), oidctest.MintOptions{NoKID: true}))
	if got := idp.jwksHits.Load(); got != 3 {
		t.Fatalf("JWKS fetched %d times, want 3", got)
	}
	if got := idp.discHits.Load(); got != 1 {
		t.Errorf("discovery fetched %d times, want 1", got)
	}
}

func TestRefetchRateLimitUnderFlood(t *testing.T) {
	t.Parallel()
	clk := newClock()
	k := oidctest.NewKey(t, "k", jose.ES256)
	idp := newIdP(t, k)
	p := idp.provider(t, clk)
	claims := idp.claims(clk.Now())
	tokens := make([]string, 50)
	for i := range tokens {
		tokens[i] = oidctest.Mint(t, k, claims, oidctest.MintOptions{KID: fmt.Sprintf("unknown-%d", i)})
	}
	flood := func() {
		var wg sync.WaitGroup
		for i := range 200 {
			wg.Go(func() {
				_, err := p.Verify(t.Context(), tokens[i%len(tokens)])
				if !errors.Is(err, ErrInvalidToken) {
					t.Errorf("Verify: %v, want ErrInvalidToken", err)
				}
			})
		}
		wg.Wait()
	}
	steps := []struct {
		advance time.Duration
		want    int64
	}{
		{0, 1},                // within the window of the initial fetch
		{11 * time.Second, 2}, // one refetch for the whole flood
		{5 * time.Second, 2},  // 5s later: still inside the window
		{6 * time.Second, 3},  // 11s after the refetch: one more
		{time.Second, 3},
	}
	for i, s := range steps {
		clk.Advance(s.advance)
		flood()
		if got := idp.jwksHits.Load(); got != s.want {
			t.Fatalf("step %d: JWKS fetched %d times, want %d", i, got, s.want)
		}
	}
}

func TestConcurrentMissesShareOneFetch(t *testing.T) {
	t.Parallel()
	clk := newClock()
	oldKey, newK := oidctest.NewKey(t, "old", jose.ES256), oidctest.NewKey(t, "new", jose.ES256)
	idp := newIdP(t, oldKey)
	p := idp.provider(t, clk)
	idp.setKeys(oldKey, newK)
	gate := make(chan struct{})
	idp.mu.Lock()
	idp.jwksGate = gate
	idp.mu.Unlock()
	clk.Advance(time.Minute)
	tok := oidctest.Mint(t, newK, idp.claims(clk.Now()), oidctest.MintOptions{})
	var ok atomic.Int64
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			if _, err := p.Verify(t.Context(), tok); err != nil {
				t.Errorf("Verify: %v", err)
				return
			}
			ok.Add(1)
		})
	}
	// Wait until the single fetch is in flight, then let it finish.
	for idp.jwksHits.Load() < 2 {
		time.Sleep(time.Millisecond)
	}
	time.Sleep(20 * time.Millisecond)
	close(gate)
	wg.Wait()
	if got := idp.jwksHits.Load(); got != 2 {
		t.Fatalf("JWKS fetched %d times, want 2 (initial + one shared refetch)", got)
	}
	if ok.Load() != 20 {
		t.Fatalf("%d of 20 verifications succeeded", ok.Load())
	}
}

func TestKeyRemovedAtIdPRefusedAfterRefresh(t *testing.T) {
	t.Parallel()
	clk := newClock()
	a, b := oidctest.NewKey(t, "a", jose.RS256), oidctest.NewKey(t, "b", jose.EdDSA)
	idp := newIdP(t, a, b)
	p := idp.provider(t, clk)
	tokA := oidctest.Mint(t, a, idp.claims(clk.Now()), oidctest.MintOptions{})
	tokB := oidctest.Mint(t, b, idp.claims(clk.Now()), oidctest.MintOptions{})
	tokBNoKid := oidctest.Mint(t, b, idp.claims(clk.Now()), oidctest.MintOptions{NoKID: true})
	mustVerify(t, p, tokB)
	mustVerify(t, p, tokBNoKid)
	idp.setKeys(a)
	mustVerify(t, p, tokB) // not refreshed yet: still cached
	if err := p.Refresh(t.Context()); err != nil {
		t.Fatal(err)
	}
	mustRefuse(t, p, tokB, ErrInvalidToken, `key id "b" is not in the provider's JWKS`)
	mustRefuse(t, p, tokBNoKid, ErrInvalidToken, `no key of the provider's JWKS fits algorithm "EdDSA"`)
	mustVerify(t, p, tokA)
	if got := p.Status().KeyIDs; len(got) != 1 || got[0] != "a" {
		t.Errorf("key ids %v, want [a]", got)
	}
}

func TestIdPOutageKeepsCachedKeys(t *testing.T) {
	t.Parallel()
	clk := newClock()
	k := oidctest.NewKey(t, "k", jose.RS256)
	idp := newIdP(t, k)
	var fetches, failures atomic.Int64
	opts := idp.options(clk)
	opts.Metrics = MetricsFunc(func(provider, kind string, err error) {
		if provider != "demo" {
			t.Errorf("metrics for provider %q", provider)
		}
		if kind == FetchJWKS {
			fetches.Add(1)
			if err != nil {
				failures.Add(1)
			}
		}
	})
	p, err := NewProvider(t.Context(), idp.config(), opts)
	if err != nil {
		t.Fatal(err)
	}
	idp.setDown(true)
	err = p.Refresh(t.Context())
	if !errors.Is(err, ErrIDPCommunication) || !strings.Contains(err.Error(), "status 502") {
		t.Fatalf("Refresh during outage: %v", err)
	}
	clk.Advance(time.Hour)
	mustVerify(t, p, oidctest.Mint(t, k, idp.claims(clk.Now()), oidctest.MintOptions{}))
	mustVerify(t, p, oidctest.Mint(t, k, idp.claims(clk.Now()), oidctest.MintOptions{NoKID: true}))
	// A key the cache does not have cannot be fetched: IdP error.
	other := oidctest.NewKey(t, "other", jose.RS256)
	mustRefuse(t, p, oidctest.Mint(t, other, idp.claims(clk.Now()), oidctest.MintOptions{}), ErrIDPCommunication, "the JWKS cannot be fetched")
	// Rate-limited now, but the last fetch failed: still an IdP error.
	mustRefuse(t, p, oidctest.Mint(t, other, idp.claims(clk.Now()), oidctest.MintOptions{}), ErrIDPCommunication, `key id "other"`)
	if st := p.Status(); st.LastError == "" || len(st.KeyIDs) != 1 {
		t.Errorf("status %+v", st)
	}
	if fetches.Load() != 3 || failures.Load() != 2 {
		t.Errorf("metrics: %d fetches, %d failures; want 3, 2", fetches.Load(), failures.Load())
	}
	// Back up: the next allowed refetch finds the new key.
	idp.setDown(false)
	idp.setKeys(k, other)
	clk.Advance(11 * time.Second)
	mustVerify(t, p, oidctest.Mint(t, other, idp.claims(clk.Now()), oidctest.MintOptions{}))
	if st := p.Status(); st.LastError != "" {
		t.Errorf("last error after recovery: %q", st.LastError)
	}
}

func TestIdPOutageWithoutKeys(t *testing.T) {
	t.Parallel()
	clk := newClock()
	k := oidctest.NewKey(t, "k", jose.RS256)
	idp := newIdP(t, k)
	idp.setDown(true)
	if _, err := NewProvider(t.Context(), idp.config(), idp.options(clk)); !errors.Is(err, ErrIDPCommunication) {
		t.Fatalf("NewProvider with IdP down: %v", err)
	}
	p, err := OpenProvider(idp.config(), idp.options(clk))
	if err != nil {
		t.Fatal(err)
	}
	r := NewRegistry()
	if err := r.Put(p); err != nil {
		t.Fatal(err)
	}
	tok := oidctest.Mint(t, k, idp.claims(clk.Now()), oidctest.MintOptions{})
	for range 3 {
		_, err := r.Verify(t.Context(), tok)
		if !errors.Is(err, ErrIDPCommunication) || errors.Is(err, ErrInvalidToken) {
			t.Fatalf("Verify with no keys: %v", err)
		}
	}
	if got := idp.discHits.Load(); got != 2 {
		t.Errorf("discovery fetched %d times, want 2 (NewProvider's, then one for the lazy provider: rate limited)", got)
	}
	idp.setDown(false)
	clk.Advance(11 * time.Second)
	if _, err := r.Verify(t.Context(), tok); err != nil {
		t.Fatalf("Verify after the IdP came back: %v", err)
	}
	if p.Issuer() != idp.issuerURL {
		t.Errorf("issuer %q", p.Issuer())
	}
}

func TestRefreshSchedule(t *testing.T) {
	t.Parallel()
	k := oidctest.NewKey(t, "k", jose.ES256)
	tests := []struct {
		name     string
		cacheCtl string
		interval time.Duration
		steps    []time.Duration // advance, then RefreshIfDue
		want     []int64         // JWKS hits after each step
	}{
		{"interval", "", time.Hour, []time.Duration{30 * time.Minute, 29 * time.Minute, time.Minute, time.Minute}, []int64{1, 1, 2, 2}},
		{"max-age shorter", "public, max-age=300", time.Hour, []time.Duration{4 * time.Minute, time.Minute, 4 * time.Minute}, []int64{1, 2, 2}},
		{"max-age floor", "max-age=5", time.Hour, []time.Duration{30 * time.Second, 30 * time.Second}, []int64{1, 2}},
		{"no-store ignored", "no-store", time.Hour, []time.Duration{10 * time.Minute, 50 * time.Minute}, []int64{1, 2}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			clk := newClock()
			idp := newIdP(t, k)
			idp.cacheCtl = tc.cacheCtl
			opts := idp.options(clk)
			opts.RefreshInterval = tc.interval
			p, err := NewProvider(t.Context(), idp.config(), opts)
			if err != nil {
				t.Fatal(err)
			}
			for i, d := range tc.steps {
				clk.Advance(d)
				if err := p.RefreshIfDue(t.Context()); err != nil {
					t.Fatal(err)
				}
				if got := idp.jwksHits.Load(); got != tc.want[i] {
					t.Fatalf("step %d: %d JWKS fetches, want %d", i, got, tc.want[i])
				}
			}
		})
	}
}

func TestRunRefreshesAndStops(t *testing.T) {
	t.Parallel()
	clk := newClock()
	k := oidctest.NewKey(t, "k", jose.ES256)
	idp := newIdP(t, k)
	p := idp.provider(t, clk)
	r := NewRegistry()
	if err := r.Put(p); err != nil {
		t.Fatal(err)
	}
	clk.Advance(2 * time.Hour)
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx, 5*time.Millisecond) }()
	deadline := time.Now().Add(5 * time.Second)
	for idp.jwksHits.Load() < 2 {
		if time.Now().After(deadline) {
			t.Fatal("Run did not refresh")
		}
		time.Sleep(5 * time.Millisecond)
	}
	time.Sleep(30 * time.Millisecond)
	if got := idp.jwksHits.Load(); got != 2 {
		t.Errorf("%d JWKS fetches, want 2 (refreshed once, then not due)", got)
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("Run returned %v", err)
	}
}

func TestEmbeddedKeyIsIgnored(t *testing.T) {
	t.Parallel()
	clk := newClock()
	k := oidctest.NewKey(t, "k", jose.RS256)
	attacker := oidctest.NewKey(t, "k", jose.RS256)
	idp := newIdP(t, k)
	p := idp.provider(t, clk)
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: attacker.Priv}, &jose.SignerOptions{EmbedJWK: true})
	if err != nil {
		t.Fatal(err)
	}
	payload := fmt.Appendf(nil, `{"iss":%q,"sub":"mallory","aud":"fedstore","exp":%d}`, idp.issuerURL, clk.Now().Add(time.Hour).Unix())
	jws, err := signer.Sign(payload)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := jws.CompactSerialize()
	if err != nil {
		t.Fatal(err)
	}
	mustRefuse(t, p, tok, ErrInvalidToken, "signature does not verify with any of the 1 keys")
}

func TestKeyFits(t *testing.T) {
	t.Parallel()
	rs, ec, ec384, ed := oidctest.NewKey(t, "rs", jose.RS256), oidctest.NewKey(t, "ec", jose.ES256), oidctest.NewKey(t, "ec384", jose.ES384), oidctest.NewKey(t, "ed", jose.EdDSA)
	tests := []struct {
		key  oidctest.Key
		alg  string
		keyA string
		want bool
	}{
		{rs, "RS256", "", true}, {rs, "PS512", "", true}, {rs, "ES256", "", false}, {rs, "EdDSA", "", false},
		{rs, "RS384", "RS256", false},
		{ec, "ES256", "", true}, {ec, "ES384", "", false}, {ec384, "ES384", "", true}, {ec, "RS256", "", false},
		{ed, "EdDSA", "", true}, {ed, "ES256", "", false},
	}
	for _, tc := range tests {
		k := jwk{kid: tc.key.KID, alg: tc.keyA, key: tc.key.Priv.Public()}
		if got, why := k.fits(tc.alg); got != tc.want || (!got && why == "") {
			t.Errorf("%s fits %s (key alg %q) = %v %q, want %v", k.describe(), tc.alg, tc.keyA, got, why, tc.want)
		}
	}
}
