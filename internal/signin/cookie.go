package signin

import (
	"crypto/aes"
	"crypto/cipher"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"
)

// flow is what the cookie carries between /login and the callback.
type flow struct {
	Provider string `json:"p"`
	State    string `json:"s"`
	Nonce    string `json:"n"`
	Verifier string `json:"v"`
	Expires  int64  `json:"e"`
}

var errBadCookie = errors.New("the sign-in cookie is missing, expired or was not issued by this server")

// sealer seals flows with AES-256-GCM.
type sealer struct {
	aead cipher.AEAD
	rand io.Reader
}

func newSealer(key []byte, rand io.Reader) (*sealer, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("signin: cookie key: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("signin: cookie key: %w", err)
	}
	return &sealer{aead: aead, rand: rand}, nil
}

func (s *sealer) seal(f flow) (string, error) {
	pt, err := json.Marshal(f)
	if err != nil {
		return "", fmt.Errorf("signin: %w", err)
	}
	nonce := make([]byte, s.aead.NonceSize())
	if _, err := io.ReadFull(s.rand, nonce); err != nil {
		return "", fmt.Errorf("signin: random: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(s.aead.Seal(nonce, nonce, pt, []byte(cookieName))), nil
}

func (s *sealer) open(v string, now time.Time) (flow, error) {
	b, err := base64.RawURLEncoding.DecodeString(v)
	if err != nil || len(b) < s.aead.NonceSize() || len(v) > maxCookieLen {
		return flow{}, errBadCookie
	}
	pt, err := s.aead.Open(nil, b[:s.aead.NonceSize()], b[s.aead.NonceSize():], []byte(cookieName))
	if err != nil {
		return flow{}, errBadCookie
	}
	var f flow
	if json.Unmarshal(pt, &f) != nil || now.Unix() > f.Expires {
		return flow{}, errBadCookie
	}
	return f, nil
}
