package oidc

import (
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

	"github.com/fedstore/fedstore/internal/oidc/oidctest"
)

func newClock() *oidctest.Clock {
	return oidctest.NewClock(time.Date(2026, 11, 29, 8, 0, 0, 0, time.UTC))
}

// testIdP is a live OIDC provider: discovery and JWKS over HTTP, with
// controllable keys, outages and request counters.
type testIdP struct {
	t   testing.TB
	srv *httptest.Server

	mu        sync.Mutex
	keys      []oidctest.Key
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

func newIdP(t testing.TB, keys ...oidctest.Key) *testIdP {
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
		set.Keys = append(set.Keys, k.Public())
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

func (idp *testIdP) setKeys(keys ...oidctest.Key) {
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

func (idp *testIdP) options(clk *oidctest.Clock) Options {
	return Options{HTTPClient: idp.srv.Client(), Clock: clk.Now}
}

// provider builds a provider against idp with a fake clock.
func (idp *testIdP) provider(t testing.TB, clk *oidctest.Clock) *Provider {
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

// rawJWT assembles a compact token from literal parts.
func rawJWT(header, payload string, sig []byte) string {
	enc := base64.RawURLEncoding
	return enc.EncodeToString([]byte(header)) + "." + enc.EncodeToString([]byte(payload)) + "." + enc.EncodeToString(sig)
}
