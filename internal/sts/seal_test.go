package sts

import (
	"crypto/aes"
	"crypto/cipher"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"reflect"
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

	// A token sealed plain (version 2, as fedstore did before compact
	// payloads, and still does with plainJSON) opens.
	plain := sealer{plainJSON: true}
	tok, err := plain.seal(k, p, nonce)
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
	plainRaw := raw

	// A payload that fits is sealed compact (version 3) and opens.
	tok, err = s.seal(k, p, nonce)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ = base64.RawURLEncoding.DecodeString(tok)
	if raw[0] != tokenVersionCompact {
		t.Fatalf("small payload sealed with version %d, want %d", raw[0], tokenVersionCompact)
	}
	if got, err := s.open(r, tok); err != nil || got.AccessKey != p.AccessKey || got.Secret != p.Secret || got.Expires != 42 {
		t.Fatalf("open compact token: %+v, %v", got, err)
	}

	// The version is authenticated: changing it (between 1, 2 and 3, or to
	// anything else) refuses the token.
	for _, sealed := range [][]byte{plainRaw, raw} {
		for _, v := range []byte{tokenVersion, tokenVersionPlain, tokenVersionCompact, 0, 4} {
			if v == sealed[0] {
				continue
			}
			bad := append([]byte(nil), sealed...)
			bad[0] = v
			if _, err := s.open(r, base64.RawURLEncoding.EncodeToString(bad)); err == nil {
				t.Fatalf("token of version %d with version byte changed to %d opened", sealed[0], v)
			}
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

// BenchmarkSeal seals and opens a typical session: compact (what seal
// does when the payload fits), plain JSON (what it did before compact
// payloads) and deflated (what it did before that, and still does for
// payloads that only fit compressed).
func BenchmarkSeal(b *testing.B) {
	block, _ := aes.NewCipher(make([]byte, 32))
	aead, _ := cipher.NewGCM(block)
	k := &sealKey{id: [keyIDLen]byte{1}, aead: aead}
	r := newKeyring()
	r.add(k)
	nonce := make([]byte, nonceLen)
	p := typicalPayload()
	for _, tc := range []struct {
		name             string
		plainJSON, force bool
	}{{"compact", false, false}, {"plain", true, false}, {"deflated", false, true}} {
		b.Run(tc.name, func(b *testing.B) {
			s := &sealer{plainJSON: tc.plainJSON}
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

// typicalPayload is a session as a --dev server issues it (fedstore dev
// token --roles s3admin, exchanged for role s3admin).
func typicalPayload() payload {
	iss := "http://127.0.0.1:40123/dev-idp"
	return payload{
		AccessKey: "ASIAQ4FJ6ZK2V7TNLW3M", Secret: "Yk3s9Qw8Zr2Vt6Xp1Lm4Nb7Hc5Jd0Fg3Ke8Ra2Ts",
		Expires: 1796000000, Issued: 1795996400123, Subject: "developer",
		Policies: []string{"s3admin"}, ARN: "arn:aws:sts::000000000000:assumed-role/s3admin/bench",
		SessionName: "bench", Provider: iss,
		Claims: map[string][]string{
			"sub": {"developer"}, "iss": {iss}, "aud": {"fedstore"}, "roles": {"s3admin"},
			"jti": {"9qOmpH1C2dLm5oRk"},
		},
	}
}

func TestCompactRoundTrip(t *testing.T) {
	t.Parallel()
	typical := typicalPayload()
	odd := payload{
		AccessKey: "ASIAEXAMPLE", Secret: "s", Expires: -5, Issued: 0, Subject: "",
		ARN: "a", SessionName: "", Provider: "",
		Claims: map[string][]string{"": {""}, "empty": {}, "ünï": {"cödé", "", "x\x00y"}},
	}
	lower := typical
	lower.AccessKey = "ASIAq4fj6zk2v7tnlw3m"                  // not base32: kept as a string
	lower.Secret = "Yk3s9Qw8Zr2Vt6Xp1Lm4Nb7Hc5Jd0Fg3Ke8Ra2-_" // not base64
	otherARN := typical
	otherARN.ARN = "arn:aws:sts::000000000000:assumed-role/s3admin/other"
	nestedARN := typical
	nestedARN.ARN = "arn:aws:sts::1:assumed-role/a/b/bench"
	sameIDs := typical
	sameIDs.Provider, sameIDs.Subject = "x", "x"
	sameIDs.Claims = map[string][]string{"iss": {"x"}, "sub": {"x", "y"}}
	sessionPolicy := typical
	sessionPolicy.SessionPolicy = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}`
	sessionPolicy.Policies = []string{"a", "b", "c"}
	for name, p := range map[string]payload{
		"typical": typical, "odd": odd, "not packable": lower, "ARN of another session": otherARN,
		"ARN with a slash": nestedARN, "provider is subject": sameIDs, "session policy": sessionPolicy,
		"zero": {},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			b := appendCompact(nil, &p)
			got, err := decodeCompact(b)
			if err != nil {
				t.Fatalf("decode: %v", err)
			}
			if !reflect.DeepEqual(*got, p) {
				t.Fatalf("round trip:\n got %+v\nwant %+v", *got, p)
			}
		})
	}
}

// Every truncation, an extra byte, an unknown flag and a repeated claim
// name are refused.
func TestCompactRefusesMalformed(t *testing.T) {
	t.Parallel()
	p := typicalPayload()
	b := appendCompact(nil, &p)
	for n := range len(b) {
		if _, err := decodeCompact(b[:n]); err == nil {
			t.Fatalf("truncated to %d of %d bytes: decoded", n, len(b))
		}
	}
	if _, err := decodeCompact(append(b[:len(b):len(b)], 0)); err == nil {
		t.Fatal("trailing byte: decoded")
	}
	bad := append([]byte(nil), b...)
	bad[0] |= 0x80
	if _, err := decodeCompact(bad); err == nil {
		t.Fatal("unknown flag: decoded")
	}
	dup := payload{Claims: map[string][]string{"a": {"1"}, "b": {"2"}}}
	enc := appendCompact(nil, &dup)
	// The two claims are the last 2*(1+1+1+1+1) bytes: rename "b" to "a".
	enc[len(enc)-4] = 'a'
	if _, err := decodeCompact(enc); err == nil {
		t.Fatal("repeated claim name: decoded")
	}
}

// A typical session token is about half the size it was as JSON.
func TestCompactTokenSize(t *testing.T) {
	t.Parallel()
	_, k := newTestKey(t)
	nonce := make([]byte, nonceLen)
	p := typicalPayload()
	compact, err := (&sealer{}).seal(k, &p, nonce)
	if err != nil {
		t.Fatal(err)
	}
	plain, err := (&sealer{plainJSON: true}).seal(k, &p, nonce)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("typical session token: %d bytes compact, %d bytes JSON", len(compact), len(plain))
	if len(compact)*10 > len(plain)*6 {
		t.Fatalf("compact token of %d bytes, JSON %d: want at most 60%%", len(compact), len(plain))
	}
}

// FuzzDecodeCompact: no input panics, and whatever decodes encodes back to
// the same payload.
func FuzzDecodeCompact(f *testing.F) {
	p := typicalPayload()
	f.Add(appendCompact(nil, &p))
	f.Add(appendCompact(nil, &payload{AccessKey: "x", Claims: map[string][]string{"a": {"b", "c"}}}))
	f.Add([]byte{0})
	f.Add([]byte{compactFlags, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01})
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := decodeCompact(b)
		if err != nil {
			return
		}
		again, err := decodeCompact(appendCompact(nil, p))
		if err != nil {
			t.Fatalf("re-encoded payload does not decode: %v", err)
		}
		if !reflect.DeepEqual(again, p) {
			t.Fatalf("re-encoded payload differs:\n got %+v\nwant %+v", again, p)
		}
	})
}
