package oidctest

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"testing"

	jose "github.com/go-jose/go-jose/v4"
)

// Key is a signing key of a test IdP.
type Key struct {
	KID  string
	Alg  jose.SignatureAlgorithm
	Priv crypto.Signer
}

// NewKey generates a key for alg (RSA 2048 for RS* and PS*, the matching
// curve for ES*, Ed25519 for EdDSA).
func NewKey(t testing.TB, kid string, alg jose.SignatureAlgorithm) Key {
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
	return Key{KID: kid, Alg: alg, Priv: priv}
}

// Public is the key's JWKS entry.
func (k Key) Public() jose.JSONWebKey {
	return jose.JSONWebKey{Key: k.Priv.Public(), KeyID: k.KID, Algorithm: string(k.Alg), Use: "sig"}
}

// MintOptions vary the JWS header of a minted token.
type MintOptions struct {
	NoKID  bool           // no kid header
	KID    string         // kid header instead of the key's
	Type   string         // typ header: "" means JWT, "-" means absent
	Header map[string]any // extra header fields
}

// Mint signs claims with k as a compact JWS.
func Mint(t testing.TB, k Key, claims map[string]any, o MintOptions) string {
	t.Helper()
	so := &jose.SignerOptions{}
	switch o.Type {
	case "":
		so.WithType("JWT")
	case "-":
	default:
		so.WithType(jose.ContentType(o.Type))
	}
	for h, v := range o.Header {
		so.WithHeader(jose.HeaderKey(h), v)
	}
	var key any = jose.JSONWebKey{Key: k.Priv, KeyID: k.KID}
	if o.KID != "" {
		key = jose.JSONWebKey{Key: k.Priv, KeyID: o.KID}
	}
	if o.NoKID {
		key = k.Priv
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: k.Alg, Key: key}, so)
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
