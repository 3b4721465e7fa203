package sts

import (
	"context"
	"crypto/subtle"
	"sync"
	"sync/atomic"
)

// openCache remembers opened session tokens, so that the requests of a
// session pay for decrypting, inflating and decoding its token once, not on
// every request (that was 15% of a 4 KiB GET's CPU). Entries are keyed by
// access key and hold the whole token, compared in constant time: a hit
// needs the exact token that once authenticated. An entry is valid only for
// the key-ring generation it was opened under, so rotating or removing a
// sealing key empties the cache in effect. Sessions of reference tokens are
// put in at issue time, so the issuing node never reads them back. Expiry
// and revocation are still checked on every request by the caller.
// Bounded: when full it starts over.
type openCache struct {
	max int64
	n   atomic.Int64
	m   sync.Map // access key -> *openEntry
}

type openEntry struct {
	token string
	gen   uint64
	s     *openedSession // source.go
}

// maxOpenCache bounds the cached sessions (about 2-3 KiB each: at most
// ~12 MiB); a miss costs one token opening (tens of microseconds).
const maxOpenCache = 4096

func (c *openCache) get(accessKey, token string, gen uint64) *openedSession {
	v, ok := c.m.Load(accessKey)
	if !ok {
		return nil
	}
	e := v.(*openEntry)
	if e.gen != gen || !tokenEqual(e.token, token) {
		return nil
	}
	return e.s
}

// tokenEqual reports whether a and b are equal, in time that depends on
// their lengths only, like subtle.ConstantTimeCompare, but eight bytes at a
// time: comparing a token of several hundred bytes one byte at a time was
// most of the work of a cached lookup.
func tokenEqual(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	var diff uint64
	i := 0
	for ; i+8 <= len(a); i += 8 {
		diff |= load64(a, i) ^ load64(b, i)
	}
	for ; i < len(a); i++ {
		diff |= uint64(a[i] ^ b[i])
	}
	return diff == 0
}

// load64 is the little-endian word at s[i:i+8] (one load once compiled).
func load64(s string, i int) uint64 {
	s = s[i : i+8]
	return uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
}

func (c *openCache) put(accessKey, token string, gen uint64, p *payload) *openedSession {
	if c.n.Add(1) > c.max {
		c.m.Clear()
		c.n.Store(1)
	}
	s := newOpenedSession(p)
	c.m.Store(accessKey, &openEntry{token: token, gen: gen, s: s})
	return s
}

// open returns the session of tok for accessKey, from the cache or by
// opening it (a token for another access key is not cached). A reference
// token needs its session record (reference.go).
func (s *Service) open(ctx context.Context, accessKey, tok string) (*openedSession, error) {
	gen := s.keys.gen.Load()
	if p := s.opened.get(accessKey, tok, gen); p != nil {
		return p, nil
	}
	if isReferenceToken(tok) {
		p, err := s.openReference(ctx, accessKey, tok)
		if err != nil {
			return nil, err
		}
		return s.opened.put(accessKey, tok, gen, p), nil
	}
	p, err := s.sealer.open(s.keys, tok)
	if err != nil {
		return nil, err
	}
	if subtle.ConstantTimeCompare([]byte(p.AccessKey), []byte(accessKey)) == 1 {
		return s.opened.put(accessKey, tok, gen, p), nil
	}
	return newOpenedSession(p), nil
}
