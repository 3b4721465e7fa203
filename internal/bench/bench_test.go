package bench

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeS3 accepts bucket creation, PUT and GET of objects, and checks what
// the signer must have sent: a SigV4 Authorization for the key and region,
// and x-amz-content-sha256 equal to the body's hash.
type fakeS3 struct {
	mu      sync.Mutex
	objects map[string][]byte
	bad     []string
}

func (f *fakeS3) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil || (r.ContentLength >= 0 && int64(len(body)) != r.ContentLength) {
		// The client gave up mid-body (a run's deadline): nothing to check.
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	h := sha256.Sum256(body)
	auth := r.Header.Get("Authorization")
	f.mu.Lock()
	defer f.mu.Unlock()
	if !strings.HasPrefix(auth, "AWS4-HMAC-SHA256 Credential=AK/") || !strings.Contains(auth, "/us-east-1/s3/aws4_request") ||
		!strings.Contains(auth, "x-amz-content-sha256") || r.Header.Get("X-Amz-Content-Sha256") != hex.EncodeToString(h[:]) {
		f.bad = append(f.bad, r.Method+" "+r.URL.Path+" "+auth)
		w.WriteHeader(http.StatusForbidden)
		return
	}
	parts := strings.SplitN(strings.TrimPrefix(r.URL.Path, "/"), "/", 2)
	switch {
	case r.Method == http.MethodPut && len(parts) == 1:
	case r.Method == http.MethodPut:
		f.objects[r.URL.Path] = body
	case r.Method == http.MethodGet:
		b, ok := f.objects[r.URL.Path]
		if !ok {
			w.WriteHeader(http.StatusNotFound)
			return
		}
		_, _ = w.Write(b)
	default:
		w.WriteHeader(http.StatusMethodNotAllowed)
	}
}

func startFake(t *testing.T, h http.Handler) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return "http://" + ln.Addr().String()
}

func TestRunAgainstFakeS3(t *testing.T) {
	t.Parallel()
	fake := &fakeS3{objects: map[string][]byte{}}
	ops, err := ParseOps("get4k,put4k,put1m")
	if err != nil {
		t.Fatal(err)
	}
	cfg := Config{Endpoint: startFake(t, fake), AccessKey: "AK", SecretKey: "SK", Bucket: "bench",
		Duration: 1500 * time.Millisecond, Concurrency: []int{3}, Ops: ops, MaxOps: 200, VerifyFor: 100 * time.Millisecond} // slices long enough for a 1 MiB PUT under -race
	var progress bytes.Buffer
	rep, err := Run(context.Background(), cfg, &progress, slog.New(slog.NewTextHandler(io.Discard, nil)), time.Now)
	if err != nil {
		t.Fatal(err)
	}
	// Requests the run abandoned at its deadline may still be in the fake's
	// handler: read its state under its lock.
	fake.mu.Lock()
	bad, nObjects := append([]string(nil), fake.bad...), len(fake.objects)
	fake.mu.Unlock()
	if len(bad) > 0 {
		t.Fatalf("badly signed requests: %q", bad[:min(3, len(bad))])
	}
	if len(rep.Results) != 6 || len(rep.Ratios) != 3 {
		t.Fatalf("got %d results, %d ratios; want 6 and 3", len(rep.Results), len(rep.Ratios))
	}
	for _, r := range rep.Results {
		if r.Ops == 0 || r.Errors != 0 || r.OpsPerSec <= 0 || r.P50Ms <= 0 || r.P99Ms < r.P50Ms {
			t.Errorf("%s/%s: implausible result %+v", r.Op, r.Target, r)
		}
		if r.Ops > cfg.MaxOps {
			t.Errorf("%s/%s: %d ops, over --max-ops %d", r.Op, r.Target, r.Ops, cfg.MaxOps)
		}
	}
	// PUTs write new keys, within a bounded ring per op.
	if n, max := nObjects, int64(seedObjects)+putRing(4<<10)+putRing(1<<20); int64(n) > max {
		t.Errorf("%d objects written; the key space should be bounded by %d", n, max)
	}
	// ... each to a key of its own until the ring is full.
	distinct := int64(seedObjects)
	for _, r := range rep.Results {
		if strings.HasPrefix(r.Op, "put") && r.Target == "fedstore" {
			size := 4 << 10
			if r.Op == "put1m" {
				size = 1 << 20
			}
			distinct += min(r.Ops, putRing(size))
		}
	}
	if int64(nObjects) < distinct {
		t.Errorf("%d objects written, want at least %d: PUTs should write new keys", nObjects, distinct)
	}
	if !strings.Contains(progress.String(), "put1m") {
		t.Errorf("no progress line for put1m:\n%s", progress.String())
	}
	var table bytes.Buffer
	if err := rep.WriteTable(&table); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"ops/s", "MiB/s", "p99", "fedstore/ref ops/s", "get4k", "baseline"} {
		if !strings.Contains(table.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, table.String())
		}
	}
	out := filepath.Join(t.TempDir(), "r.json")
	if err := rep.WriteJSONFile(out); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(out)
	var back Report
	if err := json.Unmarshal(b, &back); err != nil || len(back.Results) != 6 {
		t.Fatalf("JSON round trip: %v, %d results", err, len(back.Results))
	}
}

func TestRunOpCountsErrorsAndHonoursMaxOps(t *testing.T) {
	t.Parallel()
	failing := startFake(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "<Error><Code>SlowDown</Code></Error>", http.StatusServiceUnavailable)
	}))
	hc, err := newHTTPClient(2, "")
	if err != nil {
		t.Fatal(err)
	}
	op := Op{Name: "get4k", Method: "GET", Size: 4096}
	cfg := Config{Endpoint: failing, AccessKey: "AK", SecretKey: "SK", Bucket: "b", Region: "us-east-1"}
	res := runOp(context.Background(), hc, newS3Target(cfg, newPayloads([]Op{op}), time.Now), op, 2, 5*time.Second, 25)
	if res.Ops != 25 || res.Errors != 25 || res.OpsPerSec != 0 {
		t.Fatalf("got ops=%d errors=%d ops/s=%.1f; want 25 failed requests and 0 ops/s", res.Ops, res.Errors, res.OpsPerSec)
	}
	if !strings.Contains(res.FirstError, "status 503") || !strings.Contains(res.FirstError, "SlowDown") {
		t.Fatalf("first error %q does not describe the failure", res.FirstError)
	}
}

func TestBaselineServesSizes(t *testing.T) {
	t.Parallel()
	ops := []Op{{Name: "get4k", Method: "GET", Size: 4096}, {Name: "put1m", Method: "PUT", Size: 1 << 20}}
	b, err := StartBaseline(ops)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	hc, _ := newHTTPClient(1, "")
	for _, op := range ops {
		n, err := doOne(context.Background(), hc, baselineTarget{b: b}, op, 0, 0)
		if err != nil || n != int64(op.Size) {
			t.Fatalf("%s: %d bytes, %v; want %d", op.Name, n, err, op.Size)
		}
	}
	if _, err := doOne(context.Background(), hc, baselineTarget{b: b}, Op{Name: "get8k", Method: "GET", Size: 8192}, 0, 0); err == nil {
		t.Fatal("GET of a size the baseline was not built for succeeded")
	}
}

func TestPercentile(t *testing.T) {
	t.Parallel()
	var s []time.Duration
	for i := 1; i <= 100; i++ {
		s = append(s, time.Duration(i)*time.Millisecond)
	}
	tests := []struct {
		p    float64
		in   []time.Duration
		want time.Duration
	}{
		{0.50, s, 50 * time.Millisecond},
		{0.99, s, 99 * time.Millisecond},
		{1.00, s, 100 * time.Millisecond},
		{0.50, s[:1], time.Millisecond},
		{0.99, nil, 0},
	}
	for _, tc := range tests {
		if got := percentile(tc.in, tc.p); got != tc.want {
			t.Errorf("percentile(%d samples, %.2f) = %v, want %v", len(tc.in), tc.p, got, tc.want)
		}
	}
}

func TestParseStatus(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		in        string
		rss, peak int64
		wantErr   bool
	}{
		{"normal", "Name:\tfedstore\nVmHWM:\t   20480 kB\nVmRSS:\t   10240 kB\nThreads:\t9\n", 10 << 20, 20 << 20, false},
		{"no rss", "Name:\tx\n", 0, 0, true},
		{"bad unit", "VmRSS:\t 12 MB\n", 0, 0, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rss, peak, err := parseStatus(strings.NewReader(tc.in))
			if (err != nil) != tc.wantErr || rss != tc.rss || peak != tc.peak {
				t.Fatalf("parseStatus = %d, %d, %v; want %d, %d, err=%v", rss, peak, err, tc.rss, tc.peak, tc.wantErr)
			}
		})
	}
	rss, _, err := RSS(os.Getpid())
	if err != nil || rss <= 0 {
		t.Fatalf("RSS(self) = %d, %v", rss, err)
	}
}

// pathTarget GETs /<name>/<size> from a test server.
type pathTarget struct{ name, url string }

func (p pathTarget) Name() string { return p.name }

func (p pathTarget) NewRequest(ctx context.Context, op Op, _, _ int) (*http.Request, error) {
	return http.NewRequestWithContext(ctx, http.MethodGet, p.url+"/"+p.name, nil)
}

func TestRunInterleavedAlternatesAndBounds(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var order []string
	url := startFake(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		if n := len(order); n == 0 || order[n-1] != r.URL.Path {
			order = append(order, r.URL.Path)
		}
		mu.Unlock()
		_, _ = w.Write(make([]byte, 16))
	}))
	hc, _ := newHTTPClient(2, "")
	op := Op{Name: "get16", Method: http.MethodGet, Size: 16}
	res := runInterleaved(context.Background(), hc, []Target{pathTarget{"a", url}, pathTarget{"b", url}}, op, 1, 30*time.Second, 12, 3)
	if len(res) != 2 || res[0].Target != "a" || res[1].Target != "b" {
		t.Fatalf("results %+v", res)
	}
	for _, r := range res {
		if r.Ops != 12 || r.Errors != 0 || r.OpsPerSec <= 0 {
			t.Errorf("%s: %d ops, %d errors, %.1f ops/s; want 12 requests in all (the --max-ops bound)", r.Target, r.Ops, r.Errors, r.OpsPerSec)
		}
	}
	// With a budget of 12 and 3 rounds, a's first slice takes all 12: the
	// bound is per target, not per slice. Time-bounded slices alternate.
	mu.Lock()
	order = nil
	mu.Unlock()
	runInterleaved(context.Background(), hc, []Target{pathTarget{"a", url}, pathTarget{"b", url}}, op, 1, 300*time.Millisecond, DefaultMaxOps, 3)
	mu.Lock()
	defer mu.Unlock()
	// order records each switch of target (consecutive requests to one target
	// are collapsed above). Three rounds run a b, b a, a b: collapsed, the
	// order is a, b, a, b.
	if want := []string{"/a", "/b", "/a", "/b"}; !slices.Equal(order, want) {
		t.Fatalf("request order %q; want %q (every other round reversed)", order, want)
	}
}
