package server

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fedstore/fedstore/internal/observe"
	"github.com/fedstore/fedstore/internal/reqctx"
	"github.com/fedstore/fedstore/internal/state/memory"
)

// syncBuffer is a bytes.Buffer safe for a logger and a test reading it.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// logLines decodes the JSON log lines.
func (b *syncBuffer) logLines(t *testing.T) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(b.String()), "\n") {
		if line == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("log line is not JSON: %q", line)
		}
		out = append(out, m)
	}
	return out
}

// named answers with its name and records the request id it saw.
func named(name string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		info := reqctx.From(r.Context())
		info.Op = "Fake" + name
		w.Header().Set("X-Seen-Request-Id", info.ID)
		_, _ = io.WriteString(w, name)
	})
}

// newBareServer builds a Server around fake APIs, without listener or wiring.
func newBareServer(t *testing.T, s3 http.Handler) (*Server, *syncBuffer) {
	t.Helper()
	logs := &syncBuffer{}
	log, err := observe.NewLogger(logs, "json", "debug")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, metaDirName), 0o700); err != nil {
		t.Fatal(err)
	}
	s := &Server{
		cfg:     Config{DataDir: dir, Domain: "s3.example.com"},
		log:     log,
		clock:   time.Now,
		rand:    rand.Reader,
		metrics: observe.NewMetrics(),
		store:   memory.New(),
		s3:      s3,
		admin:   named("admin"),
		sts:     named("sts"),
	}
	s.metricsHandler = s.metrics.Handler()
	t.Cleanup(func() { _ = s.store.Close() })
	return s, logs
}

var requestIDPattern = regexp.MustCompile(`^[0-9A-F]{16}$`)

func TestRequestID(t *testing.T) {
	t.Parallel()
	s, _ := newBareServer(t, named("s3"))
	seen := map[string]bool{}
	for i := 0; i < 50; i++ {
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/bucket", nil))
		id := rec.Header().Get("X-Amz-Request-Id")
		if !requestIDPattern.MatchString(id) {
			t.Fatalf("request id %q is not 16 upper-case hex characters", id)
		}
		if got := rec.Header().Get("X-Seen-Request-Id"); got != id {
			t.Fatalf("handler saw request id %q, response says %q", got, id)
		}
		if seen[id] {
			t.Fatalf("request id %q repeated", id)
		}
		seen[id] = true
	}
}

func TestRouting(t *testing.T) {
	t.Parallel()
	s, _ := newBareServer(t, named("s3"))
	const sigv4 = "AWS4-HMAC-SHA256 Credential=root/20250101/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=00"
	tests := []struct {
		name     string
		method   string
		target   string
		host     string
		header   map[string]string
		wantBody string // prefix
		wantCode int
	}{
		{name: "live", method: "GET", target: "/health/live", wantBody: "ok", wantCode: 200},
		{name: "live head", method: "HEAD", target: "/health/live", wantBody: "", wantCode: 200},
		{name: "ready", method: "GET", target: "/health/ready", wantBody: "ok", wantCode: 200},
		{name: "metrics", method: "GET", target: "/metrics", wantBody: "# HELP", wantCode: 200},
		{name: "signed health is S3", method: "GET", target: "/health/live", header: map[string]string{"Authorization": sigv4}, wantBody: "s3", wantCode: 200},
		{name: "presigned metrics is S3", method: "GET", target: "/metrics?X-Amz-Credential=a%2Fb&X-Amz-Signature=00", wantBody: "s3", wantCode: 200},
		{name: "put health is S3", method: "PUT", target: "/health/live", wantBody: "s3", wantCode: 200},
		{name: "virtual host health is S3", method: "GET", target: "/health/live", host: "bkt.s3.example.com", wantBody: "s3", wantCode: 200},
		{name: "other bucket", method: "GET", target: "/health", wantBody: "s3", wantCode: 200},
		{name: "admin", method: "GET", target: "/_fedstore/admin/v1/info", wantBody: "admin", wantCode: 200},
		{name: "sts form post", method: "POST", target: "/", header: map[string]string{"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}, wantBody: "sts", wantCode: 200},
		{name: "sts query get", method: "GET", target: "/?Action=AssumeRoleWithWebIdentity", wantBody: "sts", wantCode: 200},
		{name: "signed list buckets", method: "GET", target: "/", header: map[string]string{"Authorization": sigv4}, wantBody: "s3", wantCode: 200},
		{name: "signed post root is S3", method: "POST", target: "/?Action=X", header: map[string]string{"Authorization": sigv4}, wantBody: "s3", wantCode: 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := httptest.NewRequest(tt.method, tt.target, nil)
			if tt.host != "" {
				r.Host = tt.host
			}
			for k, v := range tt.header {
				r.Header.Set(k, v)
			}
			rec := httptest.NewRecorder()
			s.ServeHTTP(rec, r)
			if rec.Code != tt.wantCode || !strings.HasPrefix(rec.Body.String(), tt.wantBody) {
				t.Errorf("%s %s: got %d %.40q, want %d %q", tt.method, tt.target, rec.Code, rec.Body.String(), tt.wantCode, tt.wantBody)
			}
		})
	}
}

func TestSTSSeamUnmountedFallsToS3(t *testing.T) {
	t.Parallel()
	s, _ := newBareServer(t, named("s3"))
	s.sts = nil
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/?Action=AssumeRoleWithWebIdentity", nil))
	if rec.Body.String() != "s3" {
		t.Errorf("got %q, want the S3 handler", rec.Body.String())
	}
}

func TestPanicRecovery(t *testing.T) {
	t.Parallel()
	s, logs := newBareServer(t, http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
		panic("boom: secret detail")
	}))
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/bkt/key", nil))
	if rec.Code != http.StatusInternalServerError {
		t.Fatalf("status %d, want 500", rec.Code)
	}
	id := rec.Header().Get("X-Amz-Request-Id")
	body := rec.Body.String()
	if !strings.Contains(body, "<Code>InternalError</Code>") || !strings.Contains(body, "<RequestId>"+id+"</RequestId>") {
		t.Errorf("body %q lacks InternalError / request id", body)
	}
	if strings.Contains(body, "boom") {
		t.Errorf("panic text leaked to the client: %q", body)
	}
	var sawPanic, sawAccess bool
	for _, l := range logs.logLines(t) {
		if l["msg"] == "panic while serving a request" && l["request_id"] == id && strings.Contains(l["stack"].(string), "goroutine") {
			sawPanic = true
		}
		if l["msg"] == "request" && l["status"] == float64(500) {
			sawAccess = true
		}
	}
	if !sawPanic || !sawAccess {
		t.Errorf("panic logged %v, access line with 500 %v; logs:\n%s", sawPanic, sawAccess, logs.String())
	}
}

func TestPanicAfterHeadersAbortsConnection(t *testing.T) {
	t.Parallel()
	s, _ := newBareServer(t, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Length", "100")
		w.WriteHeader(http.StatusOK)
		_, _ = io.WriteString(w, "partial")
		panic("late")
	}))
	ts := httptest.NewServer(s)
	t.Cleanup(ts.Close)
	res, err := ts.Client().Get(ts.URL + "/bkt/key")
	if err != nil {
		return // aborted before the headers reached us: also fine
	}
	defer res.Body.Close()
	if _, err := io.ReadAll(res.Body); err == nil {
		t.Fatal("a response whose handler panicked was completed as if successful")
	}
}

func TestAccessLogHasRequestIDAndNoSecrets(t *testing.T) {
	t.Parallel()
	s, logs := newBareServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		info := reqctx.From(r.Context())
		info.Op, info.Principal = "GetObject", "AKIAROOT"
		_, _ = io.WriteString(w, "hello")
	}))
	r := httptest.NewRequest(http.MethodGet,
		"/bkt/key?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAROOT%2F20250101%2Fus-east-1%2Fs3%2Faws4_request"+
			"&X-Amz-Signature=SIGSECRETabc&X-Amz-Security-Token=TOKENSECRETxyz&prefix=a", nil)
	r.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKIAROOT/x, SignedHeaders=host, Signature=AUTHSECRET")
	r.Header.Set("X-Amz-Security-Token", "HEADERTOKENSECRET")
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, r)
	id := rec.Header().Get("X-Amz-Request-Id")

	out := logs.String()
	for _, secret := range []string{"SIGSECRET", "TOKENSECRET", "AUTHSECRET", "HEADERTOKENSECRET"} {
		if strings.Contains(out, secret) {
			t.Errorf("log contains secret %q:\n%s", secret, out)
		}
	}
	lines := logs.logLines(t)
	if len(lines) != 1 {
		t.Fatalf("want one access line, got %d:\n%s", len(lines), out)
	}
	l := lines[0]
	want := map[string]any{
		"msg": "request", "request_id": id, "method": "GET", "path": "/bkt/key", "status": float64(200),
		"bytes": float64(5), "api": "s3", "op": "GetObject", "principal": "AKIAROOT",
	}
	for k, v := range want {
		if l[k] != v {
			t.Errorf("access log %s = %v, want %v", k, l[k], v)
		}
	}
	if q, _ := l["query"].(string); !strings.Contains(q, "X-Amz-Signature=REDACTED") || !strings.Contains(q, "prefix=a") {
		t.Errorf("query logged as %q", q)
	}
	if _, ok := l["duration"]; !ok || l["remote"] == "" {
		t.Errorf("duration/remote missing: %v", l)
	}
}

func TestRedactedQuery(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"", ""},
		{"prefix=a&delimiter=%2F", "prefix=a&delimiter=%2F"},
		{"X-Amz-Signature=abc", "X-Amz-Signature=REDACTED"},
		{"x-amz-security-token=abc&list-type=2", "x-amz-security-token=REDACTED&list-type=2"},
		{"X%2DAmz%2DSignature=abc", "X%2DAmz%2DSignature=REDACTED"},
		{"Action=AssumeRoleWithWebIdentity&WebIdentityToken=eyJ.x.y", "Action=AssumeRoleWithWebIdentity&WebIdentityToken=REDACTED"},
		{"Signature=v2sig&AWSAccessKeyId=AK", "Signature=REDACTED&AWSAccessKeyId=AK"},
		{"uploads", "uploads"},
	}
	for _, tt := range tests {
		if got := redactedQuery(tt.in); got != tt.want {
			t.Errorf("redactedQuery(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestMetricsCountRequests(t *testing.T) {
	t.Parallel()
	s, _ := newBareServer(t, named("s3"))
	for i := 0; i < 3; i++ {
		s.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/bkt", nil))
	}
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	body := rec.Body.String()
	for _, want := range []string{
		`fedstore_http_requests_total{api="s3",op="Fakes3",status="200"} 3`,
		`fedstore_http_request_duration_seconds_count{api="s3",op="Fakes3"} 3`,
		`fedstore_http_requests_in_flight 1`, // the scrape itself
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %q", want)
		}
	}
}

func TestReadiness(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		breakIt  func(t *testing.T, s *Server)
		wantCode int
		wantBody string
	}{
		{name: "ready", breakIt: func(*testing.T, *Server) {}, wantCode: 200, wantBody: "ok\n"},
		{
			name:     "store closed",
			breakIt:  func(t *testing.T, s *Server) { _ = s.store.Close() },
			wantCode: 503, wantBody: "not ready: state store unavailable\n",
		},
		{
			name: "data dir gone",
			breakIt: func(t *testing.T, s *Server) {
				if err := os.RemoveAll(s.cfg.DataDir); err != nil {
					t.Fatal(err)
				}
			},
			wantCode: 503, wantBody: "not ready: data directory unavailable\n",
		},
		{
			name: "meta dir not writable",
			breakIt: func(t *testing.T, s *Server) {
				meta := filepath.Join(s.cfg.DataDir, metaDirName)
				if err := os.RemoveAll(meta); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(meta, nil, 0o600); err != nil { // a file where the dir should be
					t.Fatal(err)
				}
			},
			wantCode: 503, wantBody: "not ready: data directory unavailable\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s, _ := newBareServer(t, named("s3"))
			tt.breakIt(t, s)
			rec := httptest.NewRecorder()
			s.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, PathReady, nil))
			if rec.Code != tt.wantCode || rec.Body.String() != tt.wantBody {
				t.Errorf("got %d %q, want %d %q", rec.Code, rec.Body.String(), tt.wantCode, tt.wantBody)
			}
			// Liveness does not depend on readiness.
			rec = httptest.NewRecorder()
			s.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, PathLive, nil))
			if rec.Code != http.StatusOK {
				t.Errorf("live = %d while %s", rec.Code, tt.name)
			}
		})
	}
}

func TestReadyLeavesNoFiles(t *testing.T) {
	t.Parallel()
	s, _ := newBareServer(t, named("s3"))
	for i := 0; i < 3; i++ {
		if err := s.checkReady(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	entries, err := os.ReadDir(filepath.Join(s.cfg.DataDir, metaDirName))
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 0 {
		t.Errorf("readiness left files behind: %v", entries)
	}
}
