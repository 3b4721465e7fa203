package oidc

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/fedstore/fedstore/internal/oidc/oidctest"
)

func TestConfigValidate(t *testing.T) {
	t.Parallel()
	base := ProviderConfig{ConfigURL: "https://idp.example/realms/demo", Audiences: []string{"fedstore"}}
	with := func(mod func(*ProviderConfig)) ProviderConfig {
		c := base
		mod(&c)
		return c
	}
	tests := []struct {
		name string
		cfg  ProviderConfig
		http bool
		want string // "" means valid
	}{
		{"valid", base, false, ""},
		{"http loopback", with(func(c *ProviderConfig) { c.ConfigURL = "http://127.0.0.1:5556/dex" }), false, ""},
		{"http localhost", with(func(c *ProviderConfig) { c.ConfigURL = "http://localhost:8080" }), false, ""},
		{"http remote", with(func(c *ProviderConfig) { c.ConfigURL = "http://idp.example" }), false, "uses http to a non-loopback host"},
		{"http remote allowed", with(func(c *ProviderConfig) { c.ConfigURL = "http://idp.example" }), true, ""},
		{"no audience", with(func(c *ProviderConfig) { c.Audiences = nil }), false, "at least one audience is required"},
		{"blank audience", with(func(c *ProviderConfig) { c.Audiences = []string{" "} }), false, "at least one audience is required"},
		{"no URL", with(func(c *ProviderConfig) { c.ConfigURL = "" }), false, "config URL is required"},
		{"ftp", with(func(c *ProviderConfig) { c.ConfigURL = "ftp://idp.example" }), false, `must use https (got scheme "ftp")`},
		{"no host", with(func(c *ProviderConfig) { c.ConfigURL = "https:///x" }), false, "has no host"},
		{"user info", with(func(c *ProviderConfig) { c.ConfigURL = "https://u:p@idp.example" }), false, "must not contain user info"},
		{"query", with(func(c *ProviderConfig) { c.ConfigURL = "https://idp.example/?a=b" }), false, "must not have a query"},
		{"bad name", with(func(c *ProviderConfig) { c.Name = "a b" }), false, "name"},
		{"negative leeway", with(func(c *ProviderConfig) { c.Leeway = -time.Second }), false, "leeway"},
		{"huge leeway", with(func(c *ProviderConfig) { c.Leeway = time.Hour }), false, "leeway 1h0m0s must be between"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := tc.cfg.WithDefaults().Validate(tc.http)
			if tc.want == "" {
				if err != nil {
					t.Fatalf("Validate: %v", err)
				}
				return
			}
			if !errors.Is(err, ErrInvalidConfig) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Validate: %v, want ErrInvalidConfig containing %q", err, tc.want)
			}
		})
	}
}

func TestConfigDefaults(t *testing.T) {
	t.Parallel()
	c := ProviderConfig{ConfigURL: " https://idp.example ", Audiences: []string{"a", ""}}.WithDefaults()
	if c.Name != "default" || c.ClaimName != "roles" || c.UserClaim != "sub" || c.Leeway != time.Minute ||
		c.ConfigURL != "https://idp.example" || len(c.Audiences) != 1 {
		t.Fatalf("defaults: %+v", c)
	}
}

func TestDiscoveryURL(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, disc, iss string }{
		{"https://idp.example/realms/demo", "https://idp.example/realms/demo/.well-known/openid-configuration", "https://idp.example/realms/demo"},
		{"https://idp.example/", "https://idp.example/.well-known/openid-configuration", "https://idp.example/"},
		{"https://idp.example/realms/demo/.well-known/openid-configuration", "https://idp.example/realms/demo/.well-known/openid-configuration", "https://idp.example/realms/demo"},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			t.Parallel()
			disc, iss, err := discoveryURL(tc.in, false)
			if err != nil || disc != tc.disc || iss != tc.iss {
				t.Fatalf("discoveryURL(%q) = %q, %q, %v", tc.in, disc, iss, err)
			}
		})
	}
}

func TestNewProviderAcceptsBothURLForms(t *testing.T) {
	t.Parallel()
	k := oidctest.NewKey(t, "k", jose.ES256)
	idp := newIdP(t, k)
	for _, u := range []string{idp.issuerURL, idp.issuerURL + "/", idp.issuerURL + wellKnownPath} {
		cfg := idp.config()
		cfg.ConfigURL = u
		p, err := NewProvider(t.Context(), cfg, idp.options(newClock()))
		if err != nil {
			t.Fatalf("%s: %v", u, err)
		}
		if p.Issuer() != idp.issuerURL {
			t.Errorf("%s: issuer %q", u, p.Issuer())
		}
		st := p.Status()
		if st.JWKSURL != idp.issuerURL+"/keys" || len(st.KeyIDs) != 1 || st.Algorithms[0] != "RS256" {
			t.Errorf("status %+v", st)
		}
	}
}

func TestNewProviderRefuses(t *testing.T) {
	t.Parallel()
	k := oidctest.NewKey(t, "k", jose.RS256)
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()
	tests := []struct {
		name  string
		setup func(idp *testIdP, cfg *ProviderConfig)
		kind  error
		want  string
	}{
		{"unreachable", func(_ *testIdP, cfg *ProviderConfig) { cfg.ConfigURL = closed.URL }, ErrIDPCommunication, "connection refused"},
		{"discovery 404", func(_ *testIdP, cfg *ProviderConfig) { cfg.ConfigURL += "/nope" }, ErrIDPCommunication, "status 404, want 200"},
		{"discovery garbage", func(idp *testIdP, _ *ProviderConfig) { idp.discBody = "<html>" }, ErrIDPCommunication, "is not valid JSON"},
		{"discovery too large", func(idp *testIdP, _ *ProviderConfig) { idp.discBody = `{"x":"` + strings.Repeat("a", 1<<20) + `"}` }, ErrIDPCommunication, "larger than 1048576 bytes"},
		{"missing jwks_uri", func(idp *testIdP, _ *ProviderConfig) { idp.discBody = `{"issuer":"` + idp.issuerURL + `"}` }, ErrIDPCommunication, "has no jwks_uri"},
		{"no issuer", func(idp *testIdP, _ *ProviderConfig) { idp.discBody = `{"jwks_uri":"` + idp.issuerURL + `/keys"}` }, ErrIDPCommunication, "has no issuer"},
		{"issuer mismatch", func(idp *testIdP, _ *ProviderConfig) { idp.issuer = "https://other.example" }, ErrIDPCommunication,
			`names issuer "https://other.example", but the configured issuer is`},
		{"jwks_uri plain http remote", func(idp *testIdP, _ *ProviderConfig) {
			idp.discBody = `{"issuer":"` + idp.issuerURL + `","jwks_uri":"http://idp.example/keys"}`
		}, ErrIDPCommunication, "uses http to a non-loopback host"},
		{"jwks down", func(idp *testIdP, _ *ProviderConfig) { idp.jwksBody = ""; idp.keys = nil; idp.jwksBody = `{"keys":[]}` }, ErrIDPCommunication, "key set is empty"},
		{"jwks garbage", func(idp *testIdP, _ *ProviderConfig) { idp.jwksBody = "{" }, ErrIDPCommunication, "is not valid JSON"},
		{"jwks without keys", func(idp *testIdP, _ *ProviderConfig) { idp.jwksBody = `{}` }, ErrIDPCommunication, "key set is empty"},
		{"jwks only unusable keys", func(idp *testIdP, _ *ProviderConfig) {
			idp.jwksBody = `{"keys":[{"kty":"oct","k":"c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0","kid":"h"},{"kty":"zz","kid":"z"}]}`
		}, ErrIDPCommunication, "no usable signing key among 2"},
		{"bad config", func(_ *testIdP, cfg *ProviderConfig) { cfg.Audiences = nil }, ErrInvalidConfig, "audience"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			idp := newIdP(t, k)
			cfg := idp.config()
			tc.setup(idp, &cfg)
			_, err := NewProvider(t.Context(), cfg, idp.options(newClock()))
			if !errors.Is(err, tc.kind) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("NewProvider: %v, want %v containing %q", err, tc.kind, tc.want)
			}
		})
	}
}

func TestParseJWKSSkipsUnusableKeys(t *testing.T) {
	t.Parallel()
	good := oidctest.NewKey(t, "good", jose.ES256)
	pub, err := good.Public().MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	priv, err := (&jose.JSONWebKey{Key: good.Priv, KeyID: "priv"}).MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	encKey := good.Public()
	encKey.Use, encKey.KeyID = "enc", "enc"
	enc, _ := encKey.MarshalJSON()
	raws := [][]byte{pub, priv, enc, []byte(`{"kty":"oct","k":"AAAA"}`), []byte(`"x"`)}
	var in []json.RawMessage
	for _, r := range raws {
		in = append(in, r)
	}
	keys, skipped, err := parseJWKS(in)
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) != 1 || keys[0].kid != "good" || len(skipped) != 4 {
		t.Fatalf("keys %v skipped %q", keys, skipped)
	}
}

func TestRegistryRouting(t *testing.T) {
	t.Parallel()
	clk := newClock()
	k1, k2 := oidctest.NewKey(t, "one", jose.RS256), oidctest.NewKey(t, "two", jose.ES256)
	idp1, idp2 := newIdP(t, k1), newIdP(t, k2)
	p1 := idp1.provider(t, clk)
	cfg2 := idp2.config()
	cfg2.Name = "second"
	p2, err := NewProvider(t.Context(), cfg2, idp2.options(clk))
	if err != nil {
		t.Fatal(err)
	}
	r := NewRegistry()
	for _, p := range []*Provider{p1, p2} {
		if err := r.Put(p); err != nil {
			t.Fatal(err)
		}
	}
	// A second provider for the same issuer is refused.
	dupCfg := idp1.config()
	dupCfg.Name = "dup"
	dup, err := NewProvider(t.Context(), dupCfg, idp1.options(clk))
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Put(dup); !errors.Is(err, ErrInvalidConfig) || !strings.Contains(err.Error(), `provider "demo" already uses issuer`) {
		t.Fatalf("Put duplicate issuer: %v", err)
	}
	// Replacing a provider by name is fine.
	if err := r.Put(p1); err != nil {
		t.Fatal(err)
	}
	now := clk.Now()
	tests := []struct {
		name  string
		token string
		want  string
		err   string
	}{
		{"first", oidctest.Mint(t, k1, idp1.claims(now), oidctest.MintOptions{}), "demo", ""},
		{"second", oidctest.Mint(t, k2, idp2.claims(now), oidctest.MintOptions{}), "second", ""},
		{"iss of one, key of the other", oidctest.Mint(t, k2, idp1.claims(now), oidctest.MintOptions{}), "", `key id "two" is not in the provider's JWKS`},
		{"unknown issuer", oidctest.Mint(t, k1, map[string]any{"iss": "https://nobody.example", "sub": "a", "aud": "fedstore", "exp": now.Add(time.Hour).Unix()}, oidctest.MintOptions{}),
			"", `no OIDC provider is configured for the token's issuer "https://nobody.example"`},
		{"no iss", oidctest.Mint(t, k1, map[string]any{"sub": "a"}, oidctest.MintOptions{}), "", `token has no "iss" claim`},
	}
	t.Run("routes", func(t *testing.T) {
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				t.Parallel()
				c, err := r.Verify(t.Context(), tc.token)
				if tc.err != "" {
					if !errors.Is(err, ErrInvalidToken) || !strings.Contains(err.Error(), tc.err) {
						t.Fatalf("Verify: %v, want %q", err, tc.err)
					}
					return
				}
				if err != nil || c.Provider != tc.want {
					t.Fatalf("Verify: %v, %+v", err, c)
				}
			})
		}
	})
	if names := []string{r.List()[0].Name(), r.List()[1].Name()}; names[0] != "demo" || names[1] != "second" {
		t.Errorf("List: %v", names)
	}
	if !r.Remove("second") || r.Remove("second") {
		t.Error("Remove")
	}
	if _, ok := r.Get("second"); ok {
		t.Error("Get after Remove")
	}
	if _, err := r.Verify(t.Context(), tests[1].token); !errors.Is(err, ErrInvalidToken) {
		t.Errorf("Verify after Remove: %v", err)
	}
}

func TestDefaultClientRefusesDowngradeRedirect(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "http://idp.example/.well-known/openid-configuration", http.StatusFound)
	}))
	t.Cleanup(srv.Close)
	_, err := NewProvider(t.Context(), ProviderConfig{ConfigURL: srv.URL, Audiences: []string{"a"}}, Options{})
	if !errors.Is(err, ErrIDPCommunication) || !strings.Contains(err.Error(), "redirect to http://idp.example/.well-known/openid-configuration refused") {
		t.Fatalf("NewProvider: %v", err)
	}
}
