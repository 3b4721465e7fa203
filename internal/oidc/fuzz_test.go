package oidc

import (
	"strings"
	"testing"
)

// FuzzParseToken feeds arbitrary input to the compact JWS parser and to
// Explain: nothing may panic, an accepted token must have the shape and
// header the rules demand, and Explain must agree with the parser.
func FuzzParseToken(f *testing.F) {
	f.Add("eyJhbGciOiJSUzI1NiJ9.e30.AA")
	r := NewRegistry()
	f.Fuzz(func(t *testing.T, raw string) {
		tok, err := parseToken(raw)
		ex := r.Explain(t.Context(), raw)
		if ex.Valid || ex.Err == nil {
			t.Fatalf("Explain with no providers accepted %q", raw)
		}
		if err != nil {
			if err.Kind != ErrInvalidToken || err.Reason == "" {
				t.Fatalf("error %#v", err)
			}
			return
		}
		if strings.Count(strings.TrimSpace(raw), ".") != 2 || len(strings.TrimSpace(raw)) > MaxTokenLength {
			t.Fatalf("accepted a token of the wrong shape: %q", raw)
		}
		if !algAllowed(tok.alg) || tok.jws == nil || tok.header == nil || tok.claims == nil {
			t.Fatalf("accepted token %+v", tok)
		}
		if tok.hasTyp && checkTyp(tok.typ) != nil {
			t.Fatalf("accepted typ %q", tok.typ)
		}
		if ex.Checks[0].Name != CheckFormat || ex.Checks[0].Status != CheckPass {
			t.Fatalf("Explain format check %+v for a parsable token", ex.Checks[0])
		}
		c := &Claims{Raw: tok.claims, roleClaim: "realm_access.roles"}
		_ = c.Roles("")
		_ = c.StringClaims()
	})
}
