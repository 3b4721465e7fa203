package ratelimit

import (
	"fmt"
	"math"
	"sync"
	"time"
)

// DefaultMaxKeys caps the keys a Limiter tracks at once.
const DefaultMaxKeys = 100_000

// Config configures a Limiter.
type Config struct {
	// Rate is the sustained rate per key, in requests per second (> 0).
	Rate float64
	// Burst is how many requests a key may make at once (>= 1); zero means
	// ceil(Rate).
	Burst int
	// MaxKeys caps the tracked keys (DefaultMaxKeys when zero). When full,
	// refilled buckets are dropped first; if none is, an arbitrary bucket
	// is, so a flood of distinct keys costs bounded memory (the dropped
	// key starts again with a full bucket).
	MaxKeys int
	// Clock is the time source; time.Now when nil.
	Clock func() time.Time
}

// Limiter is a set of token buckets, one per key. Safe for concurrent use.
type Limiter struct {
	rate    float64
	burst   float64
	maxKeys int
	clock   func() time.Time

	mu        sync.Mutex
	buckets   map[string]*bucket
	lastSweep time.Time
}

type bucket struct {
	tokens float64
	last   time.Time
}

// New returns a Limiter, or an error when Rate or Burst is out of range.
func New(cfg Config) (*Limiter, error) {
	if !(cfg.Rate > 0) || math.IsInf(cfg.Rate, 0) {
		return nil, fmt.Errorf("ratelimit: rate %v must be a positive number of requests per second", cfg.Rate)
	}
	if cfg.Burst < 0 {
		return nil, fmt.Errorf("ratelimit: burst %d must not be negative", cfg.Burst)
	}
	if cfg.Burst == 0 {
		cfg.Burst = int(math.Ceil(cfg.Rate))
	}
	if cfg.MaxKeys <= 0 {
		cfg.MaxKeys = DefaultMaxKeys
	}
	if cfg.Clock == nil {
		cfg.Clock = time.Now
	}
	return &Limiter{
		rate: cfg.Rate, burst: float64(cfg.Burst), maxKeys: cfg.MaxKeys, clock: cfg.Clock,
		buckets: make(map[string]*bucket),
	}, nil
}

// Allow takes one token from key's bucket and reports whether there was
// one. A refused request takes nothing.
func (l *Limiter) Allow(key string) bool {
	now := l.clock()
	l.mu.Lock()
	defer l.mu.Unlock()
	b, ok := l.buckets[key]
	if !ok {
		if len(l.buckets) >= l.maxKeys {
			l.evictLocked(now)
		}
		b = &bucket{tokens: l.burst, last: now}
		l.buckets[key] = b
	}
	l.refill(b, now)
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}

// RetryAfter is how long key must wait for its next token (0 if it has one).
func (l *Limiter) RetryAfter(key string) time.Duration {
	now := l.clock()
	l.mu.Lock()
	defer l.mu.Unlock()
	b, ok := l.buckets[key]
	if !ok {
		return 0
	}
	l.refill(b, now)
	if b.tokens >= 1 {
		return 0
	}
	return time.Duration((1 - b.tokens) / l.rate * float64(time.Second))
}

// Len is the number of keys tracked now.
func (l *Limiter) Len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.buckets)
}

func (l *Limiter) refill(b *bucket, now time.Time) {
	if elapsed := now.Sub(b.last); elapsed > 0 {
		b.tokens = math.Min(l.burst, b.tokens+elapsed.Seconds()*l.rate)
		b.last = now
	}
}

// evictLocked drops every bucket that has refilled (it is the same as no
// bucket), scanning at most once per refill time so a flood of new keys
// does not cost a full scan each; otherwise it drops one arbitrary bucket.
func (l *Limiter) evictLocked(now time.Time) {
	full := time.Duration(l.burst / l.rate * float64(time.Second))
	if l.lastSweep.IsZero() || now.Sub(l.lastSweep) >= full {
		l.lastSweep = now
		before := len(l.buckets)
		for k, b := range l.buckets {
			if now.Sub(b.last) >= full {
				delete(l.buckets, k)
			}
		}
		if len(l.buckets) < before {
			return
		}
	}
	for k := range l.buckets {
		delete(l.buckets, k)
		return
	}
}
