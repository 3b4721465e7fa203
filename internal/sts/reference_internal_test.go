package sts

import (
	"encoding/base64"
	"strings"
	"testing"
)

func testRefKey(id byte, secret string) *sealKey {
	return &sealKey{id: [keyIDLen]byte{id}, ref: deriveRefKey([]byte(secret))}
}

// TestReferenceDerivation: the token spells its parts, and the tag and the
// secret depend on the key (its secret and id), the access key and the
// nonce.
func TestReferenceDerivation(t *testing.T) {
	t.Parallel()
	k := testRefKey(1, strings.Repeat("k", 32))
	nonce := []byte("0123456789ab")
	const ak = "ASIAQ4FJ6ZK2V7TNLW3M"
	tok := k.referenceToken(ak, nonce)
	if len(tok) != refTokenLen || refTokenLen != 50 || !isReferenceToken(tok) {
		t.Fatalf("token %q of %d characters", tok, len(tok))
	}
	rt, err := parseReference(tok)
	if err != nil || rt.keyID != k.id || string(rt.nonce[:]) != string(nonce) || string(rt.tag[:]) != string(k.refTag(ak, nonce)) {
		t.Fatalf("parse: %+v, %v", rt, err)
	}
	secret := k.refSecret(ak, nonce)
	if _, ok := packSecret(secret); !ok {
		t.Fatalf("secret %q is not 40 characters of base64", secret)
	}
	for name, other := range map[string]struct {
		k     *sealKey
		ak    string
		nonce []byte
	}{
		"key secret": {testRefKey(1, strings.Repeat("x", 32)), ak, nonce},
		"key id":     {&sealKey{id: [keyIDLen]byte{2}, ref: k.ref}, ak, nonce},
		"access key": {k, "ASIAQ4FJ6ZK2V7TNLW3N", nonce},
		"nonce":      {k, ak, []byte("0123456789ac")},
	} {
		if string(other.k.refTag(other.ak, other.nonce)) == string(k.refTag(ak, nonce)) {
			t.Errorf("another %s, same tag", name)
		}
		if name != "key id" && other.k.refSecret(other.ak, other.nonce) == secret {
			t.Errorf("another %s, same secret", name)
		}
	}
	for _, sealed := range []byte{tokenVersion, tokenVersionPlain, tokenVersionCompact} {
		if isReferenceToken(base64.RawURLEncoding.EncodeToString([]byte{sealed, 0xff})) {
			t.Errorf("a token of version %d taken for a reference", sealed)
		}
	}
}

// FuzzParseReference: no input panics, and what parses is the one
// spelling of its parts.
func FuzzParseReference(f *testing.F) {
	k := testRefKey(7, strings.Repeat("s", 32))
	f.Add(k.referenceToken("ASIAQ4FJ6ZK2V7TNLW3M", []byte("0123456789ab")))
	f.Add("B" + strings.Repeat("A", 49))
	f.Add("BAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")
	f.Fuzz(func(t *testing.T, tok string) {
		rt, err := parseReference(tok)
		if err != nil {
			return
		}
		raw := append([]byte{tokenVersionReference}, rt.keyID[:]...)
		raw = append(raw, rt.nonce[:]...)
		raw = append(raw, rt.tag[:]...)
		if again := base64.RawURLEncoding.EncodeToString(raw); again != tok {
			t.Fatalf("%q parses, but its parts spell %q", tok, again)
		}
	})
}
