package sts

import (
	"strconv"
	"strings"
	"testing"
)

func TestOpenCache(t *testing.T) {
	t.Parallel()
	p := &payload{AccessKey: "ASIAEXAMPLE", Secret: "s"}
	tests := []struct {
		name  string
		token string
		gen   uint64
		hit   bool
	}{
		{"same token, same key generation", "tok-1", 7, true},
		{"another token for the access key", "tok-2", 7, false},
		{"a prefix of the token", "tok-", 7, false},
		{"key ring changed since", "tok-1", 8, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := &openCache{max: 4}
			c.put("ASIAEXAMPLE", "tok-1", 7, p)
			if got := c.get("ASIAEXAMPLE", tc.token, tc.gen); (got != nil) != tc.hit {
				t.Fatalf("get = %v, want hit %v", got, tc.hit)
			}
			if got := c.get("ASIAOTHER", "tok-1", 7); got != nil {
				t.Fatalf("hit for another access key")
			}
		})
	}
}

func TestOpenCacheIsBounded(t *testing.T) {
	t.Parallel()
	c := &openCache{max: 3}
	for i := range 10 {
		c.put("AK"+strconv.Itoa(i), "t", 1, &payload{})
	}
	n := 0
	c.m.Range(func(any, any) bool { n++; return true })
	if n > 3 {
		t.Fatalf("%d entries cached, limit 3", n)
	}
	if c.get("AK9", "t", 1) == nil {
		t.Fatalf("the latest entry is missing")
	}
}

// tokenEqual agrees with == for every length around the word size and a
// difference at every position.
func TestTokenEqual(t *testing.T) {
	t.Parallel()
	for n := range 26 {
		a := make([]byte, n)
		for i := range a {
			a[i] = byte('A' + i)
		}
		if !tokenEqual(string(a), string(a)) {
			t.Fatalf("length %d: equal tokens differ", n)
		}
		if tokenEqual(string(a), string(a)+"x") || tokenEqual(string(a)+"x", string(a)) {
			t.Fatalf("length %d: a token equals its extension", n)
		}
		for i := range n {
			for _, bit := range []byte{1, 0x80} {
				b := append([]byte(nil), a...)
				b[i] ^= bit
				if tokenEqual(string(a), string(b)) {
					t.Fatalf("length %d: tokens differing at %d (bit %#x) are equal", n, i, bit)
				}
			}
		}
	}
}

// BenchmarkOpenCacheGet is a hit for a typical token (600 bytes).
func BenchmarkOpenCacheGet(b *testing.B) {
	tok := strings.Repeat("abcdefghij", 60)
	c := &openCache{max: 4}
	c.put("ASIAEXAMPLE", tok, 1, &payload{})
	other := strings.Clone(tok) // a request's header is another string
	b.ReportAllocs()
	for b.Loop() {
		if c.get("ASIAEXAMPLE", other, 1) == nil {
			b.Fatal("miss")
		}
	}
}
