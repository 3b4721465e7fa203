package oidc

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"strings"

	jose "github.com/go-jose/go-jose/v4"
)

// token is a compact JWS parsed but not yet trusted.
type token struct {
	alg    string
	kid    string
	typ    string
	hasTyp bool
	header map[string]any
	claims map[string]any
	jws    *jose.JSONWebSignature
}

// parseToken decodes a compact JWS without verifying it. It enforces the
// size limit, the shape (three base64url parts, JSON objects) and the
// header rules (alg allow-list, typ, no crit, not a JWE), and returns an
// ErrInvalidToken *Error saying what is wrong.
func parseToken(raw string) (*token, *Error) {
	t, err := decodeToken(raw)
	if err != nil {
		return nil, err
	}
	if err := t.checkHeader(); err != nil {
		return nil, err
	}
	if err := t.parseJWS(raw); err != nil {
		return nil, err
	}
	return t, nil
}

// decodeToken decodes the parts of a compact JWS and reads the header
// fields, without applying any acceptance rule. Surrounding whitespace (a
// token file's final newline) is ignored.
func decodeToken(raw string) (*token, *Error) {
	raw = strings.TrimSpace(raw)
	switch {
	case raw == "":
		return nil, invalidf("token is empty")
	case len(raw) > MaxTokenLength:
		return nil, invalidf("token is %d characters long, at most %d are accepted", len(raw), MaxTokenLength)
	case raw[0] == '{':
		return nil, invalidf("token uses the JWS JSON serialization; only the compact form (three base64url parts separated by dots) is accepted")
	}
	n := strings.Count(raw, ".") + 1
	if n == 5 {
		return nil, invalidf("token is a JWE (encrypted, five parts); only signed JWTs (three parts) are accepted")
	}
	if n != 3 {
		return nil, invalidf("token has %d dot-separated parts, a JWT has 3", n)
	}
	header, rest, _ := strings.Cut(raw, ".")
	payload, sig, _ := strings.Cut(rest, ".")
	// One scratch buffer serves the three decodings (nothing keeps it).
	enc := base64.RawURLEncoding.Strict()
	buf := make([]byte, max(enc.DecodedLen(len(header)), enc.DecodedLen(len(payload)), enc.DecodedLen(len(sig))))
	t := &token{}
	if err := decodePart(buf, header, "header", &t.header); err != nil {
		return nil, err
	}
	if err := t.readHeader(); err != nil {
		return nil, err
	}
	if err := decodePart(buf, payload, "payload", &t.claims); err != nil {
		return nil, err
	}
	if sig == "" {
		return nil, invalidf("token has no signature")
	}
	if _, err := enc.Decode(buf, []byte(sig)); err != nil {
		return nil, invalidf("token signature is not valid base64url: %v", err)
	}
	return t, nil
}

// parseJWS hands the token to go-jose (with the algorithm allow-list).
func (t *token) parseJWS(raw string) *Error {
	jws, err := jose.ParseSignedCompact(strings.TrimSpace(raw), allowedAlgs)
	if err != nil {
		return &Error{Kind: ErrInvalidToken, Reason: "token is not a valid JWS: " + strings.TrimPrefix(err.Error(), "go-jose/go-jose: "), Cause: err}
	}
	if len(jws.Signatures) != 1 {
		return invalidf("token has %d signatures, want exactly 1", len(jws.Signatures))
	}
	t.jws = jws
	return nil
}

// decodePart decodes one base64url part holding a JSON object into v
// (numbers kept as json.Number).
// buf is scratch space of at least the decoded length.
func decodePart(buf []byte, part, what string, v *map[string]any) *Error {
	n, err := base64.RawURLEncoding.Strict().Decode(buf, []byte(part))
	if err != nil {
		return invalidf("token %s is not valid base64url: %v", what, err)
	}
	b := buf[:n]
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		return invalidf("token %s is not valid JSON: %v", what, err)
	}
	if dec.More() {
		return invalidf("token %s has data after its JSON object", what)
	}
	if *v == nil {
		return invalidf("token %s is not a JSON object", what)
	}
	return nil
}

// readHeader reads alg, kid and typ, which must be strings.
func (t *token) readHeader() *Error {
	alg, ok := t.header["alg"].(string)
	if !ok {
		return invalidf("token header has no \"alg\" string")
	}
	t.alg = alg
	if kid, present := t.header["kid"]; present {
		s, ok := kid.(string)
		if !ok {
			return invalidf("token header \"kid\" is not a string")
		}
		t.kid = s
	}
	if typ, present := t.header["typ"]; present {
		s, ok := typ.(string)
		if !ok {
			return invalidf("token header \"typ\" is not a string")
		}
		t.typ, t.hasTyp = s, true
	}
	return nil
}

// checkHeader applies the header rules: not a JWE, alg allowed, typ
// accepted, no crit.
func (t *token) checkHeader() *Error {
	if _, ok := t.header["enc"]; ok {
		return invalidf("token header has \"enc\": encrypted tokens (JWE) are not accepted")
	}
	if err := checkAlg(t.alg); err != nil {
		return err
	}
	if t.hasTyp {
		if err := checkTyp(t.typ); err != nil {
			return err
		}
	}
	if _, ok := t.header["crit"]; ok {
		return invalidf("token header has \"crit\" extensions, which are not supported")
	}
	return nil
}

func checkAlg(alg string) *Error {
	switch {
	case algAllowed(alg):
		return nil
	case strings.EqualFold(alg, "none"):
		return invalidf("token algorithm %s is never accepted: the token is unsigned", q(alg))
	case strings.HasPrefix(strings.ToUpper(alg), "HS"):
		return invalidf("token algorithm %s (HMAC) is never accepted; accepted: %s", q(alg), algList())
	default:
		return invalidf("token algorithm %s is not accepted; accepted: %s", q(alg), algList())
	}
}

func algList() string {
	s := make([]string, len(allowedAlgs))
	for i, a := range allowedAlgs {
		s[i] = string(a)
	}
	return strings.Join(s, ", ")
}

// checkTyp accepts JWT and at+jwt, case-insensitive, with an optional
// "application/" prefix.
func checkTyp(typ string) *Error {
	t := strings.ToLower(typ)
	t = strings.TrimPrefix(t, "application/")
	if t == "jwt" || t == "at+jwt" {
		return nil
	}
	return invalidf("token type (typ header) %s is not accepted; want \"JWT\" or \"at+jwt\"", q(typ))
}
