package server

import (
	"fmt"
	"math"
	"net/netip"

	"github.com/fedstore/fedstore/internal/ratelimit"
	"github.com/fedstore/fedstore/internal/stsapi"
)

// maxSTSRateLimit bounds --sts-rate-limit (requests/s per source IP).
const maxSTSRateLimit = 1_000_000

// validateRateLimit checks --sts-rate-limit: 0 (off) or a positive rate.
func (c *Config) validateRateLimit() error {
	r := c.STSRateLimit
	if math.IsNaN(r) || r < 0 || r > maxSTSRateLimit {
		return fmt.Errorf("%w: --sts-rate-limit %v must be 0 (off) or a rate of requests per second per source IP up to %d", ErrConfig, r, maxSTSRateLimit)
	}
	return nil
}

// stsRateLimiter is the per-source-IP token bucket of the STS API (burst =
// the rate, at least 1), or nil when --sts-rate-limit is 0.
func (s *Server) stsRateLimiter() (stsapi.RateLimiter, error) {
	if s.cfg.STSRateLimit == 0 {
		return nil, nil
	}
	l, err := ratelimit.New(ratelimit.Config{Rate: s.cfg.STSRateLimit, Clock: s.clock})
	if err != nil {
		return nil, fmt.Errorf("server: --sts-rate-limit: %w", err)
	}
	return sourceLimiter{l}, nil
}

// sourceLimiter keys the limiter by source: an IPv4 address, or the /64
// network of an IPv6 address (one host usually holds a whole /64, so
// per-address buckets would let it rotate addresses past the limit).
type sourceLimiter struct{ l *ratelimit.Limiter }

func (s sourceLimiter) Allow(ip string) bool { return s.l.Allow(sourceKey(ip)) }

func sourceKey(ip string) string {
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return ip
	}
	a = a.Unmap()
	if a.Is4() {
		return a.String()
	}
	p, err := a.WithZone("").Prefix(64)
	if err != nil {
		return ip
	}
	return p.String()
}
