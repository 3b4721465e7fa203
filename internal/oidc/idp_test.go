package oidc

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

// fakeClock is a settable clock.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func newClock() *fakeClock {
	return &fakeClock{now: time.Date(2026, 11, 29, 8, 0, 0, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// testKey is a signing key of the test IdP.
type testKey struct {
	kid  string
	alg  jose.SignatureAlgorithm
	priv crypto.Signer
}

func (k testKey) public() jose.JSONWebKey {
	return jose.JSONWebKey{Key: k.priv.Public(), KeyID: k.kid, Algorithm: string(k.alg), Use: "sig"}
}

func newKey(t testing.TB, kid string, alg jose.SignatureAlgorithm) testKey {
	t.Helper()
	var (
		priv crypto.Signer
		err  error
	)
	switch alg {
	case jose.RS256, jose.RS384, jose.RS512, jose.PS256, jose.PS384, jose.PS512:
		priv, err = rsa.GenerateKey(rand.Reader, 2048)
	case jose.ES256:
		priv, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	case jose.ES384:
		priv, err = ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	case jose.ES512:
		priv, err = ecdsa.GenerateKey(elliptic.P521(), rand.Reader)
	case jose.EdDSA:
		_, priv, err = ed25519.GenerateKey(rand.Reader)
	default:
		t.Fatalf("no key for %s", alg)
	}
	if err != nil {
		t.Fatal(err)
	}
	return testKey{kid: kid, alg: alg, priv: priv}
}

// testIdP is a live OIDC provider: discovery and JWKS over HTTP, with
// controllable keys, outages and request counters.
type testIdP struct {
	t   testing.TB
	srv *httptest.Server

	mu        sync.Mutex
	keys      []testKey
	down      bool
	issuer    string // discovery issuer override
	discBody  string // raw discovery body override
	jwksBody  string // raw JWKS body override
	cacheCtl  string
	jwksGate  chan struct{} // if set, JWKS requests wait on it
	jwksHits  atomic.Int64
	discHits  atomic.Int64
	issuerURL string
}

func newIdP(t testing.TB, keys ...testKey) *testIdP {
	t.Helper()
	idp := &testIdP{t: t, keys: keys}
	mux := http.NewServeMux()
	mux.HandleFunc("/realms/demo/.well-known/openid-configuration", idp.serveDiscovery)
	mux.HandleFunc("/realms/demo/keys", idp.serveJWKS)
	idp.srv = httptest.NewServer(mux)
	t.Cleanup(idp.srv.Close)
	idp.issuerURL = idp.srv.URL + "/realms/demo"
	return idp
}

func (idp *testIdP) serveDiscovery(w http.ResponseWriter, _ *http.Request) {
	idp.discHits.Add(1)
	idp.mu.Lock()
	down, body, iss := idp.down, idp.discBody, idp.issuer
	idp.mu.Unlock()
	if down {
		http.Error(w, "down", http.StatusServiceUnavailable)
		return
	}
	if body == "" {
		if iss == "" {
			iss = idp.issuerURL
		}
		b, _ := json.Marshal(map[string]any{
			"issuer":                                iss,
			"jwks_uri":                              idp.issuerURL + "/keys",
			"id_token_signing_alg_values_supported": []string{"RS256"},
		})
		body = string(b)
	}
	w.Header().Set("Content-Type", "application/json")
	fmt.Fprint(w, body)
}

func (idp *testIdP) serveJWKS(w http.ResponseWriter, _ *http.Request) {
	idp.jwksHits.Add(1)
	idp.mu.Lock()
	gate := idp.jwksGate
	idp.mu.Unlock()
	if gate != nil {
		<-gate
	}
	idp.mu.Lock()
	down, body, cc := idp.down, idp.jwksBody, idp.cacheCtl
	set := jose.JSONWebKeySet{}
	for _, k := range idp.keys {
		set.Keys = append(set.Keys, k.public())
	}
	idp.mu.Unlock()
	if down {
		http.Error(w, "down", http.StatusBadGateway)
		return
	}
	if body == "" {
		b, err := json.Marshal(set)
		if err != nil {
			idp.t.Error(err)
		}
		body = string(b)
	}
	if cc != "" {
		w.Header().Set("Cache-Control", cc)
	}
	w.Header().Set("Content-Type", "application/json")
	fmt.Fprint(w, body)
}

func (idp *testIdP) setKeys(keys ...testKey) {
	idp.mu.Lock()
	idp.keys = keys
	idp.mu.Unlock()
}

func (idp *testIdP) setDown(down bool) {
	idp.mu.Lock()
	idp.down = down
	idp.mu.Unlock()
}

func (idp *testIdP) config() ProviderConfig {
	return ProviderConfig{Name: "demo", ConfigURL: idp.issuerURL, Audiences: []string{"fedstore"}}
}

func (idp *testIdP) options(clk *fakeClock) Options {
	return Options{HTTPClient: idp.srv.Client(), Clock: clk.Now}
}

// provider builds a provider against idp with a fake clock.
func (idp *testIdP) provider(t testing.TB, clk *fakeClock) *Provider {
	t.Helper()
	p, err := NewProvider(t.Context(), idp.config(), idp.options(clk))
	if err != nil {
		t.Fatalf("NewProvider: %v", err)
	}
	return p
}

// claims returns standard valid claims for idp at now.
func (idp *testIdP) claims(now time.Time) map[string]any {
	return map[string]any{
		"iss":   idp.issuerURL,
		"sub":   "alice",
		"aud":   "fedstore",
		"exp":   now.Add(time.Hour).Unix(),
		"iat":   now.Add(-time.Minute).Unix(),
		"nbf":   now.Add(-time.Minute).Unix(),
		"roles": []string{"s3admin"},
	}
}

type mintOpts struct {
	noKid bool
	kid   string // override
	typ   string // "" means JWT; "-" means absent
	extra map[string]any
}

// mint signs claims with k.
func mint(t testing.TB, k testKey, claims map[string]any, o mintOpts) string {
	t.Helper()
	so := &jose.SignerOptions{}
	switch o.typ {
	case "":
		so.WithType("JWT")
	case "-":
	default:
		so.WithType(jose.ContentType(o.typ))
	}
	for h, v := range o.extra {
		so.WithHeader(jose.HeaderKey(h), v)
	}
	var key any = jose.JSONWebKey{Key: k.priv, KeyID: k.kid}
	if o.kid != "" {
		key = jose.JSONWebKey{Key: k.priv, KeyID: o.kid}
	}
	if o.noKid {
		key = k.priv
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: k.alg, Key: key}, so)
	if err != nil {
		t.Fatal(err)
	}
	payload, err := json.Marshal(claims)
	if err != nil {
		t.Fatal(err)
	}
	jws, err := signer.Sign(payload)
	if err != nil {
		t.Fatal(err)
	}
	s, err := jws.CompactSerialize()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// rawJWT assembles a compact token from literal parts.
func rawJWT(header, payload string, sig []byte) string {
	enc := base64.RawURLEncoding
	return enc.EncodeToString([]byte(header)) + "." + enc.EncodeToString([]byte(payload)) + "." + enc.EncodeToString(sig)
}
