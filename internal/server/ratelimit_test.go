package server

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"
)

func TestSTSRateLimitValidate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		rate    float64
		wantErr bool
	}{
		{0, false}, {0.5, false}, {10, false}, {maxSTSRateLimit, false},
		{-1, true}, {math.NaN(), true}, {math.Inf(1), true}, {maxSTSRateLimit + 1, true},
	}
	for _, tt := range tests {
		cfg := Config{DataDir: "d", STSRateLimit: tt.rate}
		cfg.applyDefaults()
		err := cfg.validate()
		if (err != nil) != tt.wantErr {
			t.Errorf("--sts-rate-limit %v: validate() = %v, want error %v", tt.rate, err, tt.wantErr)
			continue
		}
		if err != nil && (!errors.Is(err, ErrConfig) || !strings.Contains(err.Error(), "--sts-rate-limit")) {
			t.Errorf("--sts-rate-limit %v: error %v does not name the flag or is not ErrConfig", tt.rate, err)
		}
	}
}

func TestSourceKey(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"192.0.2.7", "192.0.2.7"},
		{"::ffff:192.0.2.7", "192.0.2.7"},
		{"2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64"},
		{"2001:db8:1:2:ffff::1", "2001:db8:1:2::/64"},
		{"fe80::1%eth0", "fe80::/64"},
		{"not-an-ip", "not-an-ip"},
	}
	for _, tt := range tests {
		if got := sourceKey(tt.in); got != tt.want {
			t.Errorf("sourceKey(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestSTSRateLimiterSharesIPv6Prefix(t *testing.T) {
	t.Parallel()
	s := &Server{cfg: Config{STSRateLimit: 2}, clock: func() time.Time { return time.Unix(1_700_000_000, 0) }}
	lim, err := s.stsRateLimiter()
	if err != nil || lim == nil {
		t.Fatalf("stsRateLimiter() = %v, %v", lim, err)
	}
	got := []bool{lim.Allow("2001:db8::1"), lim.Allow("2001:db8::2"), lim.Allow("2001:db8::3"), lim.Allow("2001:db8:0:1::1"), lim.Allow("192.0.2.1")}
	want := []bool{true, true, false, true, true}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("Allow sequence %v, want %v (one /64 shares a bucket of 2)", got, want)
	}
	off := &Server{cfg: Config{}}
	if lim, err := off.stsRateLimiter(); lim != nil || err != nil {
		t.Errorf("rate 0: limiter %v, %v; want none", lim, err)
	}
}
