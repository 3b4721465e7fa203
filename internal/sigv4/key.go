package sigv4

import (
	"crypto/sha256"
	"strings"
	"sync"
)

// SigningKey is the HMAC key derived from a secret and a credential scope.
type SigningKey [32]byte

// DeriveKey computes the signing key: HMAC chain over date, region, service
// and "aws4_request", starting from "AWS4"+secret.
func DeriveKey(secret, date, region, service string) SigningKey {
	k := make([]byte, 0, 4+len(secret))
	k = append(k, "AWS4"...)
	k = append(k, secret...)
	kDate := hmacSHA256(k, []byte(date))
	kRegion := hmacSHA256(kDate[:], []byte(region))
	kService := hmacSHA256(kRegion[:], []byte(service))
	return SigningKey(hmacSHA256(kService[:], []byte("aws4_request")))
}

// hmacSHA256 is HMAC-SHA256 (RFC 2104) computed on stack buffers so that the
// hot path (one HMAC per request, one per chunk) does not allocate.
func hmacSHA256(key, msg []byte) [32]byte {
	var k [64]byte
	if len(key) > len(k) {
		s := sha256.Sum256(key)
		copy(k[:], s[:])
	} else {
		copy(k[:], key)
	}
	var stack [64 + 448]byte
	buf := stack[:0]
	for _, b := range k {
		buf = append(buf, b^0x36)
	}
	buf = append(buf, msg...)
	inner := sha256.Sum256(buf)
	buf = stack[:0]
	for _, b := range k {
		buf = append(buf, b^0x5c)
	}
	buf = append(buf, inner[:]...)
	return sha256.Sum256(buf)
}

// DefaultKeyCacheSize bounds a KeyCache built with size <= 0.
const DefaultKeyCacheSize = 4096

type keyID struct {
	secret, date, region, service string
}

// KeyCache remembers derived signing keys by (secret, date, region, service),
// so verifying a request costs one HMAC instead of five. It is bounded: when
// full, an arbitrary entry is evicted. Safe for concurrent use.
type KeyCache struct {
	mu  sync.Mutex
	max int
	m   map[keyID]SigningKey
}

// NewKeyCache returns a cache holding at most size keys.
func NewKeyCache(size int) *KeyCache {
	if size <= 0 {
		size = DefaultKeyCacheSize
	}
	return &KeyCache{max: size, m: make(map[keyID]SigningKey)}
}

// Key returns the signing key for secret and scope, deriving it on a miss.
func (c *KeyCache) Key(secret string, s Scope) SigningKey {
	id := keyID{secret, s.Date, s.Region, s.Service}
	c.mu.Lock()
	k, ok := c.m[id]
	c.mu.Unlock()
	if ok {
		return k
	}
	k = DeriveKey(secret, s.Date, s.Region, s.Service)
	id = keyID{strings.Clone(secret), strings.Clone(s.Date), strings.Clone(s.Region), strings.Clone(s.Service)}
	c.mu.Lock()
	if len(c.m) >= c.max {
		for old := range c.m {
			delete(c.m, old)
			break
		}
	}
	c.m[id] = k
	c.mu.Unlock()
	return k
}

// Len reports how many keys are cached.
func (c *KeyCache) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.m)
}
