package oidc

import (
	"crypto/hmac"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/google/go-cmp/cmp"

	"github.com/fedstore/fedstore/internal/oidc/oidctest"
)

func TestVerifyAccepts(t *testing.T) {
	t.Parallel()
	clk := newClock()
	keys := []oidctest.Key{
		oidctest.NewKey(t, "rs256", jose.RS256), oidctest.NewKey(t, "ps256", jose.PS256), oidctest.NewKey(t, "rs512", jose.RS512),
		oidctest.NewKey(t, "es256", jose.ES256), oidctest.NewKey(t, "es384", jose.ES384), oidctest.NewKey(t, "es512", jose.ES512),
		oidctest.NewKey(t, "ed", jose.EdDSA),
	}
	byKid := map[string]oidctest.Key{}
	for _, k := range keys {
		byKid[k.KID] = k
	}
	idp := newIdP(t, keys...)
	p := idp.provider(t, clk)
	now := clk.Now()
	with := func(mod func(map[string]any)) map[string]any {
		c := idp.claims(now)
		mod(c)
		return c
	}
	tests := []struct {
		name     string
		key      string
		claims   map[string]any
		opts     oidctest.MintOptions
		wantAud  string
		wantSub  string
		wantRole []string
	}{
		{name: "RS256", key: "rs256", wantAud: "fedstore", wantSub: "alice", wantRole: []string{"s3admin"}},
		{name: "PS256", key: "ps256", wantAud: "fedstore", wantSub: "alice", wantRole: []string{"s3admin"}},
		{name: "RS512", key: "rs512", wantAud: "fedstore", wantSub: "alice", wantRole: []string{"s3admin"}},
		{name: "ES256", key: "es256", wantAud: "fedstore", wantSub: "alice", wantRole: []string{"s3admin"}},
		{name: "ES384", key: "es384", wantAud: "fedstore", wantSub: "alice", wantRole: []string{"s3admin"}},
		{name: "ES512", key: "es512", wantAud: "fedstore", wantSub: "alice", wantRole: []string{"s3admin"}},
		{name: "EdDSA", key: "ed", wantAud: "fedstore", wantSub: "alice", wantRole: []string{"s3admin"}},
		{name: "no kid RSA", key: "rs256", opts: oidctest.MintOptions{NoKID: true}, wantAud: "fedstore", wantSub: "alice", wantRole: []string{"s3admin"}},
		{name: "no kid EC", key: "es384", opts: oidctest.MintOptions{NoKID: true}, wantAud: "fedstore", wantSub: "alice", wantRole: []string{"s3admin"}},
		{name: "typ at+jwt", key: "rs256", opts: oidctest.MintOptions{Type: "at+jwt"}, wantAud: "fedstore", wantSub: "alice", wantRole: []string{"s3admin"}},
		{name: "typ application/JWT", key: "rs256", opts: oidctest.MintOptions{Type: "application/JWT"}, wantAud: "fedstore", wantSub: "alice", wantRole: []string{"s3admin"}},
		{name: "typ absent", key: "rs256", opts: oidctest.MintOptions{Type: "-"}, wantAud: "fedstore", wantSub: "alice", wantRole: []string{"s3admin"}},
		{name: "aud array", key: "rs256", claims: with(func(c map[string]any) { c["aud"] = []string{"other", "fedstore"} }),
			wantAud: "fedstore", wantSub: "alice", wantRole: []string{"s3admin"}},
		{name: "azp only", key: "rs256", claims: with(func(c map[string]any) { delete(c, "aud"); c["azp"] = "fedstore" }),
			wantAud: "fedstore", wantSub: "alice", wantRole: []string{"s3admin"}},
		{name: "azp with other aud", key: "rs256", claims: with(func(c map[string]any) { c["aud"] = "account"; c["azp"] = "fedstore" }),
			wantAud: "fedstore", wantSub: "alice", wantRole: []string{"s3admin"}},
		{name: "CSV roles", key: "rs256", claims: with(func(c map[string]any) { c["roles"] = " reader, writer ,,reader" }),
			wantAud: "fedstore", wantSub: "alice", wantRole: []string{"reader", "writer"}},
		{name: "single string role", key: "rs256", claims: with(func(c map[string]any) { c["roles"] = "reader" }),
			wantAud: "fedstore", wantSub: "alice", wantRole: []string{"reader"}},
		{name: "expired within leeway", key: "rs256", claims: with(func(c map[string]any) { c["exp"] = now.Add(-30 * time.Second).Unix() }),
			wantAud: "fedstore", wantSub: "alice", wantRole: []string{"s3admin"}},
		{name: "iat and nbf slightly ahead", key: "rs256", claims: with(func(c map[string]any) {
			c["iat"] = now.Add(30 * time.Second).Unix()
			c["nbf"] = now.Add(30 * time.Second).Unix()
		}), wantAud: "fedstore", wantSub: "alice", wantRole: []string{"s3admin"}},
		{name: "fractional exp", key: "rs256", claims: with(func(c map[string]any) { c["exp"] = float64(now.Add(time.Hour).Unix()) + 0.5 }),
			wantAud: "fedstore", wantSub: "alice", wantRole: []string{"s3admin"}},
		{name: "no roles", key: "rs256", claims: with(func(c map[string]any) { delete(c, "roles") }),
			wantAud: "fedstore", wantSub: "alice", wantRole: []string{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			claims := tc.claims
			if claims == nil {
				claims = idp.claims(now)
			}
			tok := oidctest.Mint(t, byKid[tc.key], claims, tc.opts)
			for name, verify := range map[string]func() (*Claims, error){
				"provider": func() (*Claims, error) { return p.Verify(t.Context(), tok) },
				"registry": func() (*Claims, error) {
					r := NewRegistry()
					if err := r.Put(p); err != nil {
						t.Fatal(err)
					}
					return r.Verify(t.Context(), tok+"\n")
				},
			} {
				c, err := verify()
				if err != nil {
					t.Fatalf("%s: Verify: %v", name, err)
				}
				if c.Subject != tc.wantSub || c.MatchedAudience != tc.wantAud || c.Issuer != idp.issuerURL || c.Provider != "demo" {
					t.Errorf("%s: got sub %q aud %q iss %q provider %q", name, c.Subject, c.MatchedAudience, c.Issuer, c.Provider)
				}
				if diff := cmp.Diff(tc.wantRole, c.Roles("")); diff != "" {
					t.Errorf("%s: roles (-want +got):\n%s", name, diff)
				}
				if c.Algorithm != string(byKid[tc.key].Alg) {
					t.Errorf("%s: alg %q", name, c.Algorithm)
				}
				if c.Expiry.IsZero() || !c.Expiry.After(now.Add(-time.Minute)) {
					t.Errorf("%s: expiry %v", name, c.Expiry)
				}
			}
		})
	}
}

func TestVerifyRefuses(t *testing.T) {
	t.Parallel()
	clk := newClock()
	rsaKey := oidctest.NewKey(t, "rs", jose.RS256)
	ecKey := oidctest.NewKey(t, "ec", jose.ES256)
	stranger := oidctest.NewKey(t, "rs", jose.RS256) // same kid, other key
	idp := newIdP(t, rsaKey, ecKey)
	p := idp.provider(t, clk)
	now := clk.Now()
	with := func(mod func(map[string]any)) map[string]any {
		c := idp.claims(now)
		mod(c)
		return c
	}
	good := oidctest.Mint(t, rsaKey, idp.claims(now), oidctest.MintOptions{})
	parts := strings.Split(good, ".")
	pubDER, err := x509.MarshalPKIXPublicKey(rsaKey.Priv.Public().(*rsa.PublicKey))
	if err != nil {
		t.Fatal(err)
	}
	hsHeader := `{"alg":"HS256","typ":"JWT","kid":"rs"}`
	payload, _ := base64.RawURLEncoding.DecodeString(parts[1])
	mac := hmac.New(sha256.New, pubDER)
	mac.Write([]byte(base64.RawURLEncoding.EncodeToString([]byte(hsHeader)) + "." + parts[1]))
	hsToken := rawJWT(hsHeader, string(payload), mac.Sum(nil))
	sigBytes, _ := base64.RawURLEncoding.DecodeString(parts[2])

	tests := []struct {
		name    string
		token   string
		kind    error
		message string
	}{
		{"bad signature", parts[0] + "." + base64.RawURLEncoding.EncodeToString([]byte(`{"iss":"`+idp.issuerURL+`","sub":"mallory","aud":"fedstore","exp":9999999999}`)) + "." + parts[2],
			ErrInvalidToken, `signature does not verify with kid "rs"`},
		{"signed by another key with the same kid", oidctest.Mint(t, stranger, idp.claims(now), oidctest.MintOptions{}), ErrInvalidToken, `signature does not verify with kid "rs" (RSA 2048)`},
		{"alg none", rawJWT(`{"alg":"none","typ":"JWT"}`, string(payload), nil), ErrInvalidToken, "token has no signature"},
		{"alg none with signature", rawJWT(`{"alg":"none"}`, string(payload), []byte("x")), ErrInvalidToken, `algorithm "none" is never accepted`},
		{"HS256 with the RSA public key", hsToken, ErrInvalidToken, `algorithm "HS256" (HMAC) is never accepted`},
		{"alg of another key type", oidctest.Mint(t, ecKey, idp.claims(now), oidctest.MintOptions{KID: "rs"}), ErrInvalidToken, `kid "rs" (RSA 2048) is for algorithm "RS256", the token uses "ES256"`},
		{"unknown alg", rawJWT(`{"alg":"RS1"}`, string(payload), sigBytes), ErrInvalidToken, `algorithm "RS1" is not accepted`},
		{"wrong iss", oidctest.Mint(t, rsaKey, with(func(c map[string]any) { c["iss"] = "https://evil.example" }), oidctest.MintOptions{}), ErrInvalidToken,
			`token issuer "https://evil.example" is not the issuer`},
		{"missing iss", oidctest.Mint(t, rsaKey, with(func(c map[string]any) { delete(c, "iss") }), oidctest.MintOptions{}), ErrInvalidToken, `token has no "iss" claim`},
		{"wrong aud", oidctest.Mint(t, rsaKey, with(func(c map[string]any) { c["aud"] = "x" }), oidctest.MintOptions{}), ErrInvalidToken,
			`token audience ["x"] is not one of the configured audiences ["fedstore"]`},
		{"wrong aud and azp", oidctest.Mint(t, rsaKey, with(func(c map[string]any) { c["aud"] = []string{"x", "y"}; c["azp"] = "z" }), oidctest.MintOptions{}), ErrInvalidToken,
			`token audience ["x", "y"] (azp "z") is not one of the configured audiences ["fedstore"]`},
		{"no aud", oidctest.Mint(t, rsaKey, with(func(c map[string]any) { delete(c, "aud") }), oidctest.MintOptions{}), ErrInvalidToken, `neither "aud" nor "azp"`},
		{"aud of wrong type", oidctest.Mint(t, rsaKey, with(func(c map[string]any) { c["aud"] = 5 }), oidctest.MintOptions{}), ErrInvalidToken, `"aud" is neither a string`},
		{"expired", oidctest.Mint(t, rsaKey, with(func(c map[string]any) { c["exp"] = now.Add(-2 * time.Minute).Unix() }), oidctest.MintOptions{}), ErrExpiredToken,
			"token expired at 2026-11-29T07:58:00Z (now 2026-11-29T08:00:00Z, leeway 1m0s)"},
		{"missing exp", oidctest.Mint(t, rsaKey, with(func(c map[string]any) { delete(c, "exp") }), oidctest.MintOptions{}), ErrInvalidToken, `token has no "exp" claim`},
		{"exp as string", oidctest.Mint(t, rsaKey, with(func(c map[string]any) { c["exp"] = "tomorrow" }), oidctest.MintOptions{}), ErrInvalidToken, `claim "exp" is not a number`},
		{"nbf in the future", oidctest.Mint(t, rsaKey, with(func(c map[string]any) { c["nbf"] = now.Add(5 * time.Minute).Unix() }), oidctest.MintOptions{}), ErrInvalidToken,
			"token is not valid before 2026-11-29T08:05:00Z"},
		{"iat in the future", oidctest.Mint(t, rsaKey, with(func(c map[string]any) { c["iat"] = now.Add(5 * time.Minute).Unix() }), oidctest.MintOptions{}), ErrInvalidToken,
			"token was issued in the future, at 2026-11-29T08:05:00Z"},
		{"missing sub", oidctest.Mint(t, rsaKey, with(func(c map[string]any) { delete(c, "sub") }), oidctest.MintOptions{}), ErrInvalidToken, `token has no "sub" claim`},
		{"sub not a string", oidctest.Mint(t, rsaKey, with(func(c map[string]any) { c["sub"] = 42 }), oidctest.MintOptions{}), ErrInvalidToken, `user claim "sub" is not a string`},
		{"empty sub", oidctest.Mint(t, rsaKey, with(func(c map[string]any) { c["sub"] = "" }), oidctest.MintOptions{}), ErrInvalidToken, `user claim "sub" is empty`},
		{"typ wrong", oidctest.Mint(t, rsaKey, idp.claims(now), oidctest.MintOptions{Type: "JWE"}), ErrInvalidToken, `token type (typ header) "JWE" is not accepted`},
		{"typ of logout token", oidctest.Mint(t, rsaKey, idp.claims(now), oidctest.MintOptions{Type: "logout+jwt"}), ErrInvalidToken, `"logout+jwt" is not accepted`},
		{"crit header", oidctest.Mint(t, rsaKey, idp.claims(now), oidctest.MintOptions{Header: map[string]any{"crit": []string{"exp"}, "exp": 1}}), ErrInvalidToken, `"crit"`},
		{"empty", "", ErrInvalidToken, "token is empty"},
		{"two parts", parts[0] + "." + parts[1], ErrInvalidToken, "token has 2 dot-separated parts, a JWT has 3"},
		{"four parts", good + ".x", ErrInvalidToken, "token has 4 dot-separated parts"},
		{"JWE", "eyJhbGciOiJSU0EtT0FFUCIsImVuYyI6IkEyNTZHQ00ifQ.a.b.c.d", ErrInvalidToken, "token is a JWE"},
		{"JSON serialization", `{"payload":"` + parts[1] + `","protected":"` + parts[0] + `","signature":"` + parts[2] + `"}`, ErrInvalidToken, "JWS JSON serialization"},
		{"bad base64 header", "!!!." + parts[1] + "." + parts[2], ErrInvalidToken, "token header is not valid base64url"},
		{"padded base64 header", parts[0] + "==." + parts[1] + "." + parts[2], ErrInvalidToken, "token header is not valid base64url"},
		{"bad base64 signature", parts[0] + "." + parts[1] + ".a+b/", ErrInvalidToken, "token signature is not valid base64url"},
		{"bad JSON payload", parts[0] + "." + base64.RawURLEncoding.EncodeToString([]byte(`{"iss":`)) + "." + parts[2], ErrInvalidToken, "token payload is not valid JSON"},
		{"payload not an object", parts[0] + "." + base64.RawURLEncoding.EncodeToString([]byte(`["a"]`)) + "." + parts[2], ErrInvalidToken, "token payload is not valid JSON"},
		{"header null", base64.RawURLEncoding.EncodeToString([]byte(`null`)) + "." + parts[1] + "." + parts[2], ErrInvalidToken, "token header is not a JSON object"},
		{"header without alg", rawJWT(`{"typ":"JWT"}`, string(payload), sigBytes), ErrInvalidToken, `token header has no "alg" string`},
		{"kid not a string", rawJWT(`{"alg":"RS256","kid":7}`, string(payload), sigBytes), ErrInvalidToken, `token header "kid" is not a string`},
		{"over-long", good + strings.Repeat("A", MaxTokenLength), ErrInvalidToken, "at most 20000 are accepted"},
		{"unknown kid", oidctest.Mint(t, rsaKey, idp.claims(now), oidctest.MintOptions{KID: "nope"}), ErrInvalidToken, `key id "nope" is not in the provider's JWKS`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := p.Verify(t.Context(), tc.token)
			if !errors.Is(err, tc.kind) {
				t.Fatalf("Verify error %v, want %v", err, tc.kind)
			}
			var ve *Error
			if !errors.As(err, &ve) || ve.Provider != "demo" {
				t.Fatalf("error %#v is not an *Error naming the provider", err)
			}
			if !strings.Contains(err.Error(), tc.message) {
				t.Errorf("error %q does not contain %q", err, tc.message)
			}
			if len(tc.token) > 40 && strings.Contains(err.Error(), tc.token[len(tc.token)-40:]) {
				t.Errorf("error %q contains the token", err)
			}
			for _, other := range []error{ErrInvalidToken, ErrExpiredToken, ErrIDPCommunication} {
				if other != tc.kind && errors.Is(err, other) {
					t.Errorf("error %v is also %v", err, other)
				}
			}
		})
	}
}

func TestVerifyLeewayAndUserClaim(t *testing.T) {
	t.Parallel()
	clk := newClock()
	k := oidctest.NewKey(t, "k", jose.ES256)
	idp := newIdP(t, k)
	cfg := idp.config()
	cfg.Leeway = 5 * time.Second
	cfg.UserClaim = "email"
	p, err := NewProvider(t.Context(), cfg, idp.options(clk))
	if err != nil {
		t.Fatal(err)
	}
	now := clk.Now()
	tests := []struct {
		name string
		mod  func(map[string]any)
		want error
	}{
		{"user claim present", func(c map[string]any) { c["email"] = "a@example.com" }, nil},
		{"user claim absent", func(map[string]any) {}, ErrInvalidToken},
		{"expired beyond small leeway", func(c map[string]any) { c["email"] = "a"; c["exp"] = now.Add(-10 * time.Second).Unix() }, ErrExpiredToken},
		{"expired within small leeway", func(c map[string]any) { c["email"] = "a"; c["exp"] = now.Add(-3 * time.Second).Unix() }, nil},
		{"nbf beyond small leeway", func(c map[string]any) { c["email"] = "a"; c["nbf"] = now.Add(10 * time.Second).Unix() }, ErrInvalidToken},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := idp.claims(now)
			tc.mod(c)
			got, err := p.Verify(t.Context(), oidctest.Mint(t, k, c, oidctest.MintOptions{}))
			if !errors.Is(err, tc.want) || (tc.want == nil && err != nil) {
				t.Fatalf("Verify: %v, want %v", err, tc.want)
			}
			if err == nil && got.Subject != c["email"] {
				t.Errorf("subject %q", got.Subject)
			}
		})
	}
}
