package oidctest

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	jose "github.com/go-jose/go-jose/v4"
)

// IdP is a live OpenID provider on 127.0.0.1: discovery at
// /.well-known/openid-configuration naming its URL as the issuer, and the JWKS
// of its keys at /jwks. Keys can be rotated and the IdP taken down.
type IdP struct {
	srv *httptest.Server

	mu   sync.Mutex
	keys []Key
	down bool
}

// Start serves an IdP publishing keys until the test ends.
func Start(t testing.TB, keys ...Key) *IdP {
	t.Helper()
	p := &IdP{keys: keys}
	mux := http.NewServeMux()
	mux.HandleFunc("/.well-known/openid-configuration", p.serveDiscovery)
	mux.HandleFunc("/jwks", p.serveJWKS)
	p.srv = httptest.NewServer(mux)
	t.Cleanup(p.srv.Close)
	return p
}

func (p *IdP) serveDiscovery(w http.ResponseWriter, _ *http.Request) {
	if p.isDown() {
		http.Error(w, "down", http.StatusServiceUnavailable)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"issuer": p.srv.URL, "jwks_uri": p.srv.URL + "/jwks"})
}

func (p *IdP) serveJWKS(w http.ResponseWriter, _ *http.Request) {
	if p.isDown() {
		http.Error(w, "down", http.StatusBadGateway)
		return
	}
	p.mu.Lock()
	set := jose.JSONWebKeySet{}
	for _, k := range p.keys {
		set.Keys = append(set.Keys, k.Public())
	}
	p.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(set)
}

// URL is the issuer, which is also the provider's config URL.
func (p *IdP) URL() string { return p.srv.URL }

// Client is an HTTP client for the IdP.
func (p *IdP) Client() *http.Client { return p.srv.Client() }

// SetKeys replaces the published keys (rotation, removal).
func (p *IdP) SetKeys(keys ...Key) {
	p.mu.Lock()
	p.keys = keys
	p.mu.Unlock()
}

// SetDown makes every request fail (503 discovery, 502 JWKS) while down.
func (p *IdP) SetDown(down bool) {
	p.mu.Lock()
	p.down = down
	p.mu.Unlock()
}

func (p *IdP) isDown() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.down
}
