package ratelimit

import (
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// fakeClock is a settable clock for one test.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func newClock() *fakeClock { return &fakeClock{now: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)} }

func TestNewRejectsBadConfig(t *testing.T) {
	t.Parallel()
	for _, cfg := range []Config{{Rate: 0}, {Rate: -1}, {Rate: 1, Burst: -1}} {
		if _, err := New(cfg); err == nil {
			t.Errorf("New(%+v) accepted", cfg)
		}
	}
}

func TestBurstThenRate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		rate  float64
		burst int
		// allowed at once, then after one second
		wantBurst, wantAfter1s int
	}{
		{"burst defaults to rate", 5, 0, 5, 5},
		{"fractional rate", 0.5, 0, 1, 0},
		{"explicit burst", 2, 10, 10, 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			clk := newClock()
			l, err := New(Config{Rate: tc.rate, Burst: tc.burst, Clock: clk.Now})
			if err != nil {
				t.Fatal(err)
			}
			if got := countAllowed(l, "10.0.0.1", 100); got != tc.wantBurst {
				t.Errorf("allowed at once: %d, want %d", got, tc.wantBurst)
			}
			if d := l.RetryAfter("10.0.0.1"); d <= 0 {
				t.Errorf("RetryAfter after the burst = %s, want > 0", d)
			}
			clk.Advance(time.Second)
			if got := countAllowed(l, "10.0.0.1", 100); got != tc.wantAfter1s {
				t.Errorf("allowed after 1s: %d, want %d", got, tc.wantAfter1s)
			}
			// Another key has its own bucket.
			if got := countAllowed(l, "10.0.0.2", 100); got != tc.wantBurst {
				t.Errorf("other key allowed: %d, want %d", got, tc.wantBurst)
			}
			// A long pause refills to the burst, not beyond.
			clk.Advance(time.Hour)
			if got := countAllowed(l, "10.0.0.1", 100); got != tc.wantBurst {
				t.Errorf("allowed after an hour: %d, want %d", got, tc.wantBurst)
			}
		})
	}
}

func countAllowed(l *Limiter, key string, n int) int {
	got := 0
	for range n {
		if l.Allow(key) {
			got++
		}
	}
	return got
}

func TestMaxKeysBoundsMemory(t *testing.T) {
	t.Parallel()
	clk := newClock()
	l, err := New(Config{Rate: 1, Burst: 1, MaxKeys: 100, Clock: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 10_000 {
		l.Allow(fmt.Sprintf("key-%d", i))
		if l.Len() > 100 {
			t.Fatalf("after %d keys the limiter tracks %d, want <= 100", i+1, l.Len())
		}
	}
	// Once buckets have refilled, a sweep drops them all.
	clk.Advance(2 * time.Second)
	l.Allow("fresh")
	if l.Len() != 1 {
		t.Errorf("after refill and one new key: %d keys tracked, want 1", l.Len())
	}
	// An exhausted key keeps its state while there is room.
	if !l.Allow("a") || l.Allow("a") {
		t.Error("key a: want one allowed, then refused")
	}
}

func TestConcurrentAllowNeverExceedsBurst(t *testing.T) {
	t.Parallel()
	clk := newClock()
	l, err := New(Config{Rate: 1, Burst: 50, Clock: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	var allowed atomic.Int64
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			for range 100 {
				if l.Allow("same") {
					allowed.Add(1)
				}
			}
		})
	}
	wg.Wait()
	if allowed.Load() != 50 {
		t.Errorf("allowed %d of 1600 concurrent requests with burst 50 and a stopped clock, want 50", allowed.Load())
	}
}
