package stsapi

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// countingLimiter allows the first n requests of each key.
type countingLimiter struct {
	mu   sync.Mutex
	n    int
	seen map[string]int
}

func (c *countingLimiter) Allow(key string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.seen == nil {
		c.seen = map[string]int{}
	}
	c.seen[key]++
	return c.seen[key] <= c.n
}

func TestRateLimiterThrottles(t *testing.T) {
	t.Parallel()
	lim := &countingLimiter{n: 2}
	var codes []string
	ex := &fakeExchanger{}
	th := newTestHandler(t, ex, func(c *Config) {
		c.RateLimiter = lim
		c.OnExchange = func(_, code string) { codes = append(codes, code) }
	})
	post := func(remote string) *httptest.ResponseRecorder {
		r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(form().Encode()))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		r.RemoteAddr = remote
		return th.do(r)
	}
	for i := range 2 {
		if w := post("192.0.2.7:1234"); w.Code != http.StatusOK {
			t.Fatalf("request %d: status %d, want 200:\n%s", i+1, w.Code, w.Body)
		}
	}
	w := post("192.0.2.7:5555")
	if w.Code != http.StatusBadRequest {
		t.Fatalf("third request from the same IP: status %d, want 400", w.Code)
	}
	e := parseError(t, w)
	if e.Code != "Throttling" || e.Type != "Sender" || !strings.Contains(e.Message, "rate exceeded") ||
		!strings.Contains(e.Message, "192.0.2.7") || e.ReqID != "REQ-1" {
		t.Errorf("throttled answer %+v", e)
	}
	if len(ex.inputs()) != 2 {
		t.Errorf("the exchanger ran %d times, want 2 (a throttled request must not reach it)", len(ex.inputs()))
	}
	// Another source IP has its own budget; the limiter is keyed by the IP
	// alone, not the port.
	if w := post("198.51.100.1:1234"); w.Code != http.StatusOK {
		t.Errorf("another IP: status %d, want 200", w.Code)
	}
	if lim.seen["192.0.2.7"] != 3 || lim.seen["198.51.100.1"] != 1 {
		t.Errorf("limiter keys %v", lim.seen)
	}
	if want := []string{"", "", "Throttling", ""}; strings.Join(codes, ",") != strings.Join(want, ",") {
		t.Errorf("OnExchange codes %q, want %q", codes, want)
	}
	if log := th.log.String(); !strings.Contains(log, `"code":"Throttling"`) {
		t.Errorf("no log line for the throttled request:\n%s", log)
	}
}
