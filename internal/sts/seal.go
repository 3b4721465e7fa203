package sts

import (
	"bytes"
	"compress/flate"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"sync"
)

// Session token layout (then base64url without padding):
//
//	version (1 byte) | key id (8) | nonce (12) | AES-256-GCM(body)
//
// where body is deflate(JSON payload) for tokenVersion and the JSON payload
// itself for tokenVersionPlain. A payload is sealed plain when that fits
// MaxSessionTokenLen (deflate was 13% of an exchange's CPU) and deflated
// only when it would not fit otherwise; open accepts both. The version and
// key id are the additional authenticated data, so nothing of the token,
// the version included, can be changed without the open failing.
const (
	tokenVersion      = 1 // deflated payload
	tokenVersionPlain = 2 // uncompressed payload
	tokenHeaderLen    = 1 + keyIDLen
	nonceLen          = 12
	// maxRawToken is the most raw bytes whose base64url form fits
	// MaxSessionTokenLen.
	maxRawToken = MaxSessionTokenLen / 4 * 3
	// maxPayload bounds the inflated payload when a token is opened.
	maxPayload = 64 << 10
)

var errTokenTooLarge = errors.New("sealed session too large")

// payload is what a session token carries: everything a node needs to
// authenticate and authorize a request without reading the store.
type payload struct {
	AccessKey     string              `json:"ak"`
	Secret        string              `json:"sk"`
	Expires       int64               `json:"exp"`
	Issued        int64               `json:"iat"` // Unix milliseconds
	Subject       string              `json:"sub"`
	Policies      []string            `json:"pol,omitempty"`
	SessionPolicy string              `json:"sp,omitempty"`
	ARN           string              `json:"arn"`
	SessionName   string              `json:"sn"`
	Provider      string              `json:"prv"`
	Claims        map[string][]string `json:"c,omitempty"`
}

// essentialClaims are never dropped to make a token fit.
var essentialClaims = map[string]bool{"sub": true, "iss": true, "aud": true}

// sealer seals and opens session tokens; it pools its compressors.
type sealer struct {
	writers sync.Pool // *flate.Writer
	readers sync.Pool // io.ReadCloser implementing flate.Resetter
}

func (s *sealer) deflate(b []byte) ([]byte, error) {
	var buf bytes.Buffer
	buf.Grow(len(b))
	w, _ := s.writers.Get().(*flate.Writer)
	if w == nil {
		var err error
		if w, err = flate.NewWriter(&buf, flate.BestSpeed); err != nil {
			return nil, fmt.Errorf("sts: deflate: %w", err)
		}
	} else {
		w.Reset(&buf)
	}
	defer s.writers.Put(w)
	if _, err := w.Write(b); err != nil {
		return nil, fmt.Errorf("sts: deflate: %w", err)
	}
	if err := w.Close(); err != nil {
		return nil, fmt.Errorf("sts: deflate: %w", err)
	}
	return buf.Bytes(), nil
}

func (s *sealer) inflate(b []byte) ([]byte, error) {
	src := bytes.NewReader(b)
	r, _ := s.readers.Get().(io.ReadCloser)
	if r == nil {
		r = flate.NewReader(src)
	} else if err := r.(flate.Resetter).Reset(src, nil); err != nil {
		return nil, err
	}
	defer s.readers.Put(r)
	out, err := io.ReadAll(io.LimitReader(r, maxPayload+1))
	if err != nil {
		return nil, err
	}
	if len(out) > maxPayload {
		return nil, errors.New("payload too large")
	}
	return out, nil
}

// seal encrypts p under k. When the token would exceed MaxSessionTokenLen
// it drops the largest non-essential claims, one at a time (they only feed
// jwt:<claim> policy keys); if it still does not fit, errTokenTooLarge.
// p.Claims may be modified.
func (s *sealer) seal(k *sealKey, p *payload, nonce []byte) (string, error) {
	for {
		tok, err := s.sealOnce(k, p, nonce)
		if !errors.Is(err, errTokenTooLarge) {
			return tok, err
		}
		if !dropLargestClaim(p.Claims) {
			return "", err
		}
	}
}

func (s *sealer) sealOnce(k *sealKey, p *payload, nonce []byte) (string, error) {
	plain, err := json.Marshal(p)
	if err != nil {
		return "", fmt.Errorf("sts: encode session: %w", err)
	}
	version, body := byte(tokenVersionPlain), plain
	n := tokenHeaderLen + nonceLen + len(body) + k.aead.Overhead()
	if n > maxRawToken {
		z, err := s.deflate(plain)
		if err != nil {
			return "", err
		}
		version, body = tokenVersion, z
		n = tokenHeaderLen + nonceLen + len(body) + k.aead.Overhead()
	}
	if n > maxRawToken {
		return "", fmt.Errorf("%w: %d bytes sealed, at most %d fit in a %d-byte token", errTokenTooLarge, n, maxRawToken, MaxSessionTokenLen)
	}
	raw := make([]byte, tokenHeaderLen+nonceLen, n)
	raw[0] = version
	copy(raw[1:], k.id[:])
	copy(raw[tokenHeaderLen:], nonce)
	raw = k.aead.Seal(raw, nonce, body, raw[:tokenHeaderLen])
	return base64.RawURLEncoding.EncodeToString(raw), nil
}

// dropLargestClaim removes the non-essential claim with the largest
// encoding and reports whether one was removed.
func dropLargestClaim(c map[string][]string) bool {
	names := make([]string, 0, len(c))
	for name := range c {
		if !essentialClaims[name] {
			names = append(names, name)
		}
	}
	if len(names) == 0 {
		return false
	}
	size := func(name string) int {
		n := len(name)
		for _, v := range c[name] {
			n += len(v) + 3
		}
		return n
	}
	sort.Slice(names, func(i, j int) bool {
		si, sj := size(names[i]), size(names[j])
		if si != sj {
			return si > sj
		}
		return names[i] < names[j]
	})
	delete(c, names[0])
	return true
}

// open decodes and decrypts a token with the keys of r. Every failure is
// one error without details an attacker could use, beyond which step failed.
func (s *sealer) open(r *keyring, tok string) (*payload, error) {
	if len(tok) > MaxSessionTokenLen {
		return nil, errors.New("the session token is too long")
	}
	raw, err := base64.RawURLEncoding.Strict().DecodeString(tok) // strict: one token, one spelling
	if err != nil || len(raw) < tokenHeaderLen+nonceLen {
		return nil, errors.New("the session token is not one fedstore issued")
	}
	if raw[0] != tokenVersion && raw[0] != tokenVersionPlain {
		return nil, fmt.Errorf("the session token has unknown version %d", raw[0])
	}
	k := r.lookup([keyIDLen]byte(raw[1:tokenHeaderLen]))
	if k == nil {
		return nil, errors.New("the session token's sealing key is unknown (retired, or not fedstore's)")
	}
	z, err := k.aead.Open(nil, raw[tokenHeaderLen:tokenHeaderLen+nonceLen], raw[tokenHeaderLen+nonceLen:], raw[:tokenHeaderLen])
	if err != nil {
		return nil, errors.New("the session token does not authenticate")
	}
	plain := z
	if raw[0] == tokenVersion {
		if plain, err = s.inflate(z); err != nil {
			return nil, fmt.Errorf("the session token's payload is corrupt: %w", err)
		}
	}
	var p payload
	if err := json.Unmarshal(plain, &p); err != nil {
		return nil, fmt.Errorf("the session token's payload is corrupt: %w", err)
	}
	return &p, nil
}
