package observe

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

func TestMetricsObserveAndExpose(t *testing.T) {
	t.Parallel()
	m := NewMetrics()
	end := m.Begin()
	m.ObserveRequest("s3", "ListBuckets", 200, 30*time.Millisecond)
	m.ObserveRequest("s3", "ListBuckets", 200, 10*time.Millisecond)
	m.ObserveRequest("", "", 500, time.Millisecond)

	if got := testutil.ToFloat64(m.requests.WithLabelValues("s3", "ListBuckets", "200")); got != 2 {
		t.Errorf("requests{s3,ListBuckets,200} = %v, want 2", got)
	}
	if got := testutil.ToFloat64(m.requests.WithLabelValues("unknown", "unknown", "500")); got != 1 {
		t.Errorf("requests{unknown,unknown,500} = %v, want 1", got)
	}
	if got := testutil.ToFloat64(m.inFlight); got != 1 {
		t.Errorf("in flight = %v, want 1", got)
	}
	end()
	if got := testutil.ToFloat64(m.inFlight); got != 0 {
		t.Errorf("in flight after end = %v, want 0", got)
	}

	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d", rec.Code)
	}
	body, _ := io.ReadAll(rec.Body)
	for _, want := range []string{
		`fedstore_http_requests_total{api="s3",op="ListBuckets",status="200"} 2`,
		`fedstore_http_request_duration_seconds_count{api="s3",op="ListBuckets"} 2`,
		`fedstore_http_requests_in_flight 0`,
		`go_goroutines `,
	} {
		if !strings.Contains(string(body), want) {
			t.Errorf("exposition lacks %q", want)
		}
	}
}

func TestMetricsRegistriesAreIndependent(t *testing.T) {
	t.Parallel()
	a, b := NewMetrics(), NewMetrics()
	a.ObserveRequest("s3", "GetObject", 200, time.Millisecond)
	if n := testutil.CollectAndCount(b.requests); n != 0 {
		t.Errorf("second registry sees %d series from the first", n)
	}
	c := prometheus.NewCounter(prometheus.CounterOpts{Name: "fedstore_test_total", Help: "test"})
	if err := a.Registerer().Register(c); err != nil {
		t.Fatalf("register: %v", err)
	}
	if err := b.Registerer().Register(c); err != nil {
		t.Fatalf("register in another registry: %v", err)
	}
}
