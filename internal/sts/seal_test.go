package sts

import (
	"crypto/aes"
	"crypto/cipher"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"testing"
)

// newTestKey returns a keyring holding one fixed sealing key.
func newTestKey(t *testing.T) (*keyring, *sealKey) {
	t.Helper()
	block, err := aes.NewCipher(make([]byte, 32))
	if err != nil {
		t.Fatal(err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		t.Fatal(err)
	}
	k := &sealKey{id: [keyIDLen]byte{1, 2, 3, 4, 5, 6, 7, 8}, hexID: "0102030405060708", aead: aead}
	r := newKeyring()
	r.add(k)
	return r, k
}

// sealDeflated seals p as tokens were sealed before plain payloads: always
// deflated, version 1.
func sealDeflated(t *testing.T, s *sealer, k *sealKey, p *payload, nonce []byte) string {
	t.Helper()
	plain := fmt.Appendf(nil, `{"ak":%q,"sk":%q,"exp":%d,"iat":1,"sub":%q,"arn":"a","sn":"s","prv":"p"}`, p.AccessKey, p.Secret, p.Expires, p.Subject)
	z, err := s.deflate(plain)
	if err != nil {
		t.Fatal(err)
	}
	raw := append([]byte{tokenVersion}, k.id[:]...)
	raw = append(raw, nonce...)
	raw = k.aead.Seal(raw, nonce, z, raw[:tokenHeaderLen])
	return base64.RawURLEncoding.EncodeToString(raw)
}

func TestSealVersions(t *testing.T) {
	t.Parallel()
	r, k := newTestKey(t)
	var s sealer
	nonce := make([]byte, nonceLen)
	p := &payload{AccessKey: "ASIAEXAMPLE", Secret: "secret", Expires: 42, Subject: "alice"}

	// A token sealed before plain payloads (deflated, version 1) opens.
	old := sealDeflated(t, &s, k, p, nonce)
	got, err := s.open(r, old)
	if err != nil || got.AccessKey != p.AccessKey || got.Subject != p.Subject || got.Expires != 42 {
		t.Fatalf("open deflated token: %+v, %v", got, err)
	}

	// A payload that fits is sealed plain (version 2) and opens.
	tok, err := s.seal(k, p, nonce)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := base64.RawURLEncoding.DecodeString(tok)
	if raw[0] != tokenVersionPlain {
		t.Fatalf("small payload sealed with version %d, want %d", raw[0], tokenVersionPlain)
	}
	if got, err := s.open(r, tok); err != nil || got.AccessKey != p.AccessKey || got.Secret != p.Secret {
		t.Fatalf("open plain token: %+v, %v", got, err)
	}

	// The version is authenticated: flipping it between 1 and 2 (or to
	// anything else) refuses the token.
	for _, v := range []byte{tokenVersion, 0, 3} {
		bad := append([]byte(nil), raw...)
		bad[0] = v
		if _, err := s.open(r, base64.RawURLEncoding.EncodeToString(bad)); err == nil {
			t.Fatalf("token with version byte changed to %d opened", v)
		}
	}

	// A payload too large to fit plain but compressible is deflated.
	big := *p
	big.Claims = map[string][]string{"sub": {"alice"}, "groups": make([]string, 200)}
	for i := range big.Claims["groups"] {
		big.Claims["groups"][i] = fmt.Sprintf("group-%03d", i)
	}
	tok, err = s.seal(k, &big, nonce)
	if err != nil {
		t.Fatal(err)
	}
	if len(tok) > MaxSessionTokenLen {
		t.Fatalf("token of %d bytes", len(tok))
	}
	raw, _ = base64.RawURLEncoding.DecodeString(tok)
	if raw[0] != tokenVersion {
		t.Fatalf("large payload sealed with version %d, want %d (deflated)", raw[0], tokenVersion)
	}
	got, err = s.open(r, tok)
	if err != nil || len(got.Claims["groups"]) != 200 {
		t.Fatalf("open deflated large token: %v claims, %v", len(got.Claims["groups"]), err)
	}
}

// BenchmarkSeal seals and opens a typical session, plain (what seal does
// when the payload fits) and deflated (what it did before, and still does
// for payloads that only fit compressed).
func BenchmarkSeal(b *testing.B) {
	block, _ := aes.NewCipher(make([]byte, 32))
	aead, _ := cipher.NewGCM(block)
	k := &sealKey{id: [keyIDLen]byte{1}, aead: aead}
	r := newKeyring()
	r.add(k)
	nonce := make([]byte, nonceLen)
	p := payload{
		AccessKey: "ASIAQ4FJ6ZK2V7TNLW3M", Secret: "Yk3s9Qw8Zr2Vt6Xp1Lm4Nb7Hc5Jd0Fg3Ke8Ra2Ts",
		Expires: 1796000000000, Issued: 1795996400000, Subject: "system:serviceaccount:team-a:uploader",
		Policies: []string{"s3admin"}, ARN: "arn:aws:sts::000000000000:assumed-role/s3admin/bench",
		SessionName: "bench", Provider: "dev",
		Claims: map[string][]string{
			"sub": {"system:serviceaccount:team-a:uploader"}, "iss": {"https://127.0.0.1:9000/dev"},
			"aud": {"fedstore"}, "roles": {"s3admin"},
		},
	}
	for _, tc := range []struct {
		name  string
		force bool
	}{{"plain", false}, {"deflated", true}} {
		b.Run(tc.name, func(b *testing.B) {
			var s sealer
			b.ReportAllocs()
			for b.Loop() {
				var tok string
				if tc.force {
					plain, _ := json.Marshal(&p)
					z, _ := s.deflate(plain)
					raw := append([]byte{tokenVersion}, k.id[:]...)
					raw = append(raw, nonce...)
					tok = base64.RawURLEncoding.EncodeToString(k.aead.Seal(raw, nonce, z, raw[:tokenHeaderLen]))
				} else {
					var err error
					if tok, err = s.seal(k, &p, nonce); err != nil {
						b.Fatal(err)
					}
				}
				if _, err := s.open(r, tok); err != nil {
					b.Fatal(err)
				}
				b.SetBytes(int64(len(tok)))
			}
		})
	}
}
