package sts

import (
	"strconv"
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
