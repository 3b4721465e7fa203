package devidp_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/fedstore/fedstore/internal/devidp"
	"github.com/fedstore/fedstore/internal/oidc"
)

// serve runs the dev IdP under PathPrefix on an httptest server, as the
// fedstore server mounts it.
func serve(t *testing.T, key string, clock func() time.Time) (*devidp.IdP, *httptest.Server) {
	t.Helper()
	k, err := devidp.LoadOrCreateKey(key, nil)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	p, err := devidp.New(srv.URL+devidp.PathPrefix, k, clock)
	if err != nil {
		t.Fatal(err)
	}
	mux.Handle(devidp.PathPrefix+"/", p.Handler())
	return p, srv
}

func TestTokenVerifiesThroughProvider(t *testing.T) {
	t.Parallel()
	p, _ := serve(t, filepath.Join(t.TempDir(), devidp.KeyFileName), nil)
	prov, err := oidc.NewProvider(context.Background(), oidc.ProviderConfig{
		Name: "dev", ConfigURL: p.Issuer(), Audiences: []string{devidp.DefaultAudience},
	}, oidc.Options{})
	if err != nil {
		t.Fatalf("provider against the dev IdP: %v", err)
	}
	if got := prov.Status().KeyIDs; !cmp.Equal(got, []string{p.KeyID()}) {
		t.Fatalf("JWKS key ids %v, want [%s]", got, p.KeyID())
	}
	tok, err := p.Mint(devidp.TokenRequest{Subject: "alice", Roles: []string{"s3admin", "readonly"}, Groups: []string{"eng"}})
	if err != nil {
		t.Fatal(err)
	}
	c, err := prov.Verify(context.Background(), tok)
	if err != nil {
		t.Fatalf("dev token refused: %v", err)
	}
	if c.Subject != "alice" || !cmp.Equal(c.Roles("roles"), []string{"s3admin", "readonly"}) {
		t.Fatalf("claims: sub %q roles %v", c.Subject, c.Roles("roles"))
	}

	// A token for another audience is refused by the same provider.
	other, err := p.Mint(devidp.TokenRequest{Audience: "someone-else"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := prov.Verify(context.Background(), other); !errors.Is(err, oidc.ErrInvalidToken) {
		t.Fatalf("token for another audience: %v, want ErrInvalidToken", err)
	}
}

func TestExpiredToken(t *testing.T) {
	t.Parallel()
	past := func() time.Time { return time.Now().Add(-3 * time.Hour) }
	p, _ := serve(t, filepath.Join(t.TempDir(), devidp.KeyFileName), past)
	prov, err := oidc.NewProvider(context.Background(), oidc.ProviderConfig{
		Name: "dev", ConfigURL: p.Issuer(), Audiences: []string{devidp.DefaultAudience},
	}, oidc.Options{})
	if err != nil {
		t.Fatal(err)
	}
	tok, err := p.Mint(devidp.TokenRequest{TTL: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := prov.Verify(context.Background(), tok); !errors.Is(err, oidc.ErrExpiredToken) {
		t.Fatalf("token minted 3h ago for 1h: %v, want ErrExpiredToken", err)
	}
}

func TestMintBounds(t *testing.T) {
	t.Parallel()
	p, _ := serve(t, filepath.Join(t.TempDir(), devidp.KeyFileName), nil)
	tests := []struct {
		name string
		req  devidp.TokenRequest
		want string
	}{
		{"too long", devidp.TokenRequest{TTL: 25 * time.Hour}, "must be between 1s and 24h0m0s"},
		{"negative", devidp.TokenRequest{TTL: -time.Second}, "must be between"},
		{"empty role", devidp.TokenRequest{Roles: []string{"a", " "}}, "empty role name"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if _, err := p.Mint(tc.req); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want containing %q", err, tc.want)
			}
		})
	}
}

func TestHandlerPaths(t *testing.T) {
	t.Parallel()
	_, srv := serve(t, filepath.Join(t.TempDir(), devidp.KeyFileName), nil)
	tests := []struct {
		method, path string
		status       int
	}{
		{http.MethodGet, devidp.PathPrefix + devidp.DiscoveryPath, http.StatusOK},
		{http.MethodGet, devidp.PathPrefix + devidp.JWKSPath, http.StatusOK},
		{http.MethodHead, devidp.PathPrefix + devidp.JWKSPath, http.StatusOK},
		{http.MethodPost, devidp.PathPrefix + devidp.JWKSPath, http.StatusMethodNotAllowed},
		{http.MethodGet, devidp.PathPrefix + "/token", http.StatusNotFound},
		{http.MethodGet, devidp.PathPrefix + "/key.pem", http.StatusNotFound},
	}
	for _, tc := range tests {
		req, err := http.NewRequest(tc.method, srv.URL+tc.path, nil)
		if err != nil {
			t.Fatal(err)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tc.status {
			t.Errorf("%s %s: %d, want %d", tc.method, tc.path, resp.StatusCode, tc.status)
		}
	}
}

func TestKeyFile(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "sub", devidp.KeyFileName)
	k1, err := devidp.LoadOrCreateKey(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode %04o, want 0600", st.Mode().Perm())
	}
	k2, err := devidp.LoadOrCreateKey(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !k1.Equal(k2) {
		t.Fatal("second start generated a new key instead of reusing the stored one")
	}
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := devidp.LoadKey(path); err == nil || !strings.Contains(err.Error(), "chmod 600") {
		t.Fatalf("world-readable key: %v, want refusal", err)
	}
	bad := filepath.Join(t.TempDir(), "bad.pem")
	if err := os.WriteFile(bad, []byte("not a key"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := devidp.LoadKey(bad); err == nil || !strings.Contains(err.Error(), "no PEM") {
		t.Fatalf("garbage key file: %v", err)
	}
}

func TestInfoFile(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), devidp.InfoFileName)
	want := devidp.Info{Issuer: "http://127.0.0.1:9000/_fedstore/dev-idp", Audience: "fedstore", Provider: "dev"}
	if err := devidp.WriteInfo(path, want); err != nil {
		t.Fatal(err)
	}
	got, err := devidp.ReadInfo(path)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatal(diff)
	}
}

func TestCheckLoopback(t *testing.T) {
	t.Parallel()
	tests := []struct {
		addr string
		ok   bool
	}{
		{"127.0.0.1:9000", true},
		{"127.0.0.1:0", true},
		{"127.1.2.3:9000", true},
		{"[::1]:9000", true},
		{"localhost:9000", true},
		{"0.0.0.0:9000", false},
		{":9000", false},
		{"[::]:9000", false},
		{"192.0.2.10:9000", false},
		{"example.com:9000", false},
		{"127.0.0.1", false},
	}
	for _, tc := range tests {
		err := devidp.CheckLoopback(tc.addr)
		if (err == nil) != tc.ok {
			t.Errorf("CheckLoopback(%q) = %v, want ok=%v", tc.addr, err, tc.ok)
		}
		if err != nil && !errors.Is(err, devidp.ErrNotLoopback) {
			t.Errorf("CheckLoopback(%q) = %v, not ErrNotLoopback", tc.addr, err)
		}
	}
}
