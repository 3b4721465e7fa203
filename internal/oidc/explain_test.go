package oidc

import (
	"errors"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/google/go-cmp/cmp"

	"github.com/fedstore/fedstore/internal/oidc/oidctest"
)

func TestExplain(t *testing.T) {
	t.Parallel()
	clk := newClock()
	k := oidctest.NewKey(t, "k", jose.RS256)
	idp := newIdP(t, k)
	p := idp.provider(t, clk)
	r := NewRegistry()
	if err := r.Put(p); err != nil {
		t.Fatal(err)
	}
	now := clk.Now()
	with := func(mod func(map[string]any)) map[string]any {
		c := idp.claims(now)
		mod(c)
		return c
	}
	type st = map[string]CheckStatus
	allPass := st{CheckFormat: CheckPass, CheckAlg: CheckPass, CheckTyp: CheckPass, CheckProvider: CheckPass, CheckSignature: CheckPass,
		CheckIss: CheckPass, CheckAud: CheckPass, CheckExp: CheckPass, CheckNbf: CheckPass, CheckIat: CheckPass, CheckUser: CheckPass}
	modified := func(m st) st {
		out := st{}
		for k, v := range allPass {
			out[k] = v
		}
		for k, v := range m {
			out[k] = v
		}
		return out
	}
	skipAfterRoute := st{CheckSignature: CheckSkip, CheckIss: CheckSkip, CheckAud: CheckSkip, CheckExp: CheckSkip, CheckNbf: CheckSkip, CheckIat: CheckSkip, CheckUser: CheckSkip}
	good := oidctest.Mint(t, k, idp.claims(now), oidctest.MintOptions{})
	tests := []struct {
		name    string
		token   string
		want    st
		wantErr error
	}{
		{"valid", good, allPass, nil},
		{"expired and wrong audience", oidctest.Mint(t, k, with(func(c map[string]any) {
			c["exp"] = now.Add(-time.Hour).Unix()
			c["aud"] = "x"
		}), oidctest.MintOptions{}), modified(st{CheckAud: CheckFail, CheckExp: CheckFail}), ErrInvalidToken},
		{"expired only", oidctest.Mint(t, k, with(func(c map[string]any) { c["exp"] = now.Add(-time.Hour).Unix() }), oidctest.MintOptions{}),
			modified(st{CheckExp: CheckFail}), ErrExpiredToken},
		{"alg none still shows claims", rawJWT(`{"alg":"none"}`, `{"iss":"`+idp.issuerURL+`","sub":"a","aud":"fedstore","exp":9999999999}`, []byte("x")),
			modified(st{CheckAlg: CheckFail, CheckSignature: CheckSkip}), ErrInvalidToken},
		{"bad signature", good[:len(good)-4] + "AAAA", modified(st{CheckSignature: CheckFail}), ErrInvalidToken},
		{"unknown issuer", oidctest.Mint(t, k, with(func(c map[string]any) { c["iss"] = "https://x.example" }), oidctest.MintOptions{}),
			modified(func() st { m := st{CheckProvider: CheckFail}; maps(m, skipAfterRoute); return m }()), ErrInvalidToken},
		{"garbage", "not-a-token", st{CheckFormat: CheckFail, CheckAlg: CheckSkip, CheckTyp: CheckSkip, CheckProvider: CheckSkip, CheckSignature: CheckSkip,
			CheckIss: CheckSkip, CheckAud: CheckSkip, CheckExp: CheckSkip, CheckNbf: CheckSkip, CheckIat: CheckSkip, CheckUser: CheckSkip}, ErrInvalidToken},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ex := r.Explain(t.Context(), tc.token)
			got := st{}
			for _, c := range ex.Checks {
				got[c.Name] = c.Status
				if c.Detail == "" && c.Status != CheckPass {
					t.Errorf("check %s %s without a reason", c.Name, c.Status)
				}
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("checks (-want +got):\n%s\n%+v", diff, ex.Checks)
			}
			if len(ex.Checks) != len(tc.want) {
				t.Errorf("%d checks reported, want %d: %+v", len(ex.Checks), len(tc.want), ex.Checks)
			}
			if ex.Valid != (tc.wantErr == nil) || !errors.Is(ex.Err, tc.wantErr) || (tc.wantErr == nil && ex.Err != nil) {
				t.Errorf("Valid %v Err %v, want %v", ex.Valid, ex.Err, tc.wantErr)
			}
			// Verify agrees with Explain.
			_, verr := r.Verify(t.Context(), tc.token)
			if (verr == nil) != ex.Valid || (verr != nil && !errors.Is(verr, tc.wantErr)) {
				t.Errorf("Verify says %v, Explain says valid=%v", verr, ex.Valid)
			}
		})
	}
	ex := p.Explain(t.Context(), good)
	if !ex.Valid || ex.Provider != "demo" || ex.KeyID != "k" || ex.Algorithm != "RS256" || ex.Type != "JWT" || ex.Claims.Subject != "alice" {
		t.Errorf("explanation %+v", ex)
	}
	if got := ex.Claims.Roles(""); len(got) != 1 || got[0] != "s3admin" {
		t.Errorf("roles %v", got)
	}
}

func maps(dst, src map[string]CheckStatus) {
	for k, v := range src {
		dst[k] = v
	}
}
