package oidc

import (
	"testing"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/fedstore/fedstore/internal/oidc/oidctest"
)

// BenchmarkRS256Signature measures the signature check against a cached key.
func BenchmarkRS256Signature(b *testing.B) {
	clk := newClock()
	k := oidctest.NewKey(b, "k", jose.RS256)
	idp := newIdP(b, k)
	p := idp.provider(b, clk)
	tok, perr := parseToken(oidctest.Mint(b, k, idp.claims(clk.Now()), oidctest.MintOptions{}))
	if perr != nil {
		b.Fatal(perr)
	}
	keys, _ := p.snapshot()
	b.ReportAllocs()
	for b.Loop() {
		if v, why := trySignature(keys, tok); v != sigOK {
			b.Fatal(why)
		}
	}
}

// BenchmarkVerify measures the whole path: parse, route, signature, claims.
func BenchmarkVerify(b *testing.B) {
	for _, alg := range []jose.SignatureAlgorithm{jose.RS256, jose.ES256, jose.EdDSA} {
		b.Run(string(alg), func(b *testing.B) {
			clk := newClock()
			k := oidctest.NewKey(b, "k", alg)
			idp := newIdP(b, k)
			r := NewRegistry()
			if err := r.Put(idp.provider(b, clk)); err != nil {
				b.Fatal(err)
			}
			tok := oidctest.Mint(b, k, idp.claims(clk.Now()), oidctest.MintOptions{})
			b.ReportAllocs()
			for b.Loop() {
				if _, err := r.Verify(b.Context(), tok); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
