package oidc

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"encoding/json"
	"fmt"
	"strings"

	jose "github.com/go-jose/go-jose/v4"
)

// minRSABits is the smallest RSA key accepted from a JWKS.
const minRSABits = 2048

// allowedAlgs is the signature algorithm allow-list: asymmetric only, never
// "none" or HMAC.
var allowedAlgs = []jose.SignatureAlgorithm{
	jose.RS256, jose.RS384, jose.RS512,
	jose.PS256, jose.PS384, jose.PS512,
	jose.ES256, jose.ES384, jose.ES512,
	jose.EdDSA,
}

func algAllowed(alg string) bool {
	for _, a := range allowedAlgs {
		if string(a) == alg {
			return true
		}
	}
	return false
}

// jwk is one usable public key of a provider's JWKS.
type jwk struct {
	kid string
	alg string // the key's own "alg", if the JWKS says
	key any    // *rsa.PublicKey, *ecdsa.PublicKey or ed25519.PublicKey
}

// describe names a key for messages, e.g. `kid "abc" (RSA 2048)`.
func (k jwk) describe() string {
	return fmt.Sprintf("kid %s (%s)", q(k.kid), keyType(k.key))
}

func keyType(key any) string {
	switch k := key.(type) {
	case *rsa.PublicKey:
		return fmt.Sprintf("RSA %d", k.N.BitLen())
	case *ecdsa.PublicKey:
		return "EC " + k.Curve.Params().Name
	case ed25519.PublicKey:
		return "OKP Ed25519"
	default:
		return fmt.Sprintf("%T", key)
	}
}

// fits reports whether a token signed with alg can be verified by k, and
// if not, why.
func (k jwk) fits(alg string) (bool, string) {
	if k.alg != "" && k.alg != alg {
		return false, fmt.Sprintf("%s is for algorithm %s, the token uses %s", k.describe(), q(k.alg), q(alg))
	}
	ok := false
	switch key := k.key.(type) {
	case *rsa.PublicKey:
		ok = strings.HasPrefix(alg, "RS") || strings.HasPrefix(alg, "PS")
	case *ecdsa.PublicKey:
		switch alg {
		case "ES256":
			ok = key.Curve == elliptic.P256()
		case "ES384":
			ok = key.Curve == elliptic.P384()
		case "ES512":
			ok = key.Curve == elliptic.P521()
		}
	case ed25519.PublicKey:
		ok = alg == "EdDSA"
	}
	if !ok {
		return false, fmt.Sprintf("algorithm %s does not fit %s", q(alg), k.describe())
	}
	return true, ""
}

// parseJWKS turns a JWKS document into usable verification keys. Keys that
// cannot be used (unknown type, "use":"enc", symmetric, private material,
// weak RSA) are skipped and reported in skipped; an error means the
// document itself is unusable or holds no usable key.
func parseJWKS(body []json.RawMessage) (keys []jwk, skipped []string, err error) {
	for i, raw := range body {
		var k jose.JSONWebKey
		if err := k.UnmarshalJSON(raw); err != nil {
			skipped = append(skipped, fmt.Sprintf("key #%d: %v", i, err))
			continue
		}
		name := fmt.Sprintf("key #%d kid %s", i, q(k.KeyID))
		if k.Use != "" && k.Use != "sig" {
			skipped = append(skipped, name+": use is "+q(k.Use)+", not \"sig\"")
			continue
		}
		if !k.IsPublic() {
			skipped = append(skipped, name+": contains private or symmetric key material")
			continue
		}
		switch key := k.Key.(type) {
		case *rsa.PublicKey:
			if key.N.BitLen() < minRSABits {
				skipped = append(skipped, fmt.Sprintf("%s: RSA key of %d bits, at least %d required", name, key.N.BitLen(), minRSABits))
				continue
			}
		case *ecdsa.PublicKey, ed25519.PublicKey:
		default:
			skipped = append(skipped, fmt.Sprintf("%s: unsupported key type %T", name, k.Key))
			continue
		}
		if k.Algorithm != "" && !algAllowed(k.Algorithm) {
			skipped = append(skipped, name+": algorithm "+q(k.Algorithm)+" is not accepted")
			continue
		}
		keys = append(keys, jwk{kid: k.KeyID, alg: k.Algorithm, key: k.Key})
	}
	if len(keys) == 0 {
		if len(skipped) > 0 {
			return nil, skipped, fmt.Errorf("no usable signing key among %d (%s)", len(body), strings.Join(skipped, "; "))
		}
		return nil, nil, fmt.Errorf("key set is empty")
	}
	return keys, skipped, nil
}
