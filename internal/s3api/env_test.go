package s3api

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/fedstore/fedstore/internal/authn"
	"github.com/fedstore/fedstore/internal/object"
	"github.com/fedstore/fedstore/internal/object/posix"
	"github.com/fedstore/fedstore/internal/reqctx"
)

// headerAuth is a test Authenticator: the X-Test-As header picks the
// principal ("" root, "alice" a session, "reject" a signature failure), and
// X-Test-Checksum "ALG=value" pretends authn verified that checksum.
type headerAuth struct{}

func (headerAuth) Authenticate(r *http.Request) (*authn.Result, error) {
	res := &authn.Result{Body: r.Body, ContentLength: r.ContentLength, Checksum: func() string { return "" }}
	switch who := r.Header.Get("X-Test-As"); who {
	case "":
		res.Principal = authn.Principal{Kind: authn.Root, AccessKey: "rootkey", Name: "root"}
	case "reject":
		return nil, authn.ErrSignatureDoesNotMatch
	default:
		res.Principal = authn.Principal{Kind: authn.Session, AccessKey: "ASIA" + strings.ToUpper(who), Name: who}
	}
	if alg, v, ok := strings.Cut(r.Header.Get("X-Test-Checksum"), "="); ok {
		res.ChecksumAlgorithm = alg
		res.Checksum = func() string { return v }
	}
	return res, nil
}

// logBuffer is a concurrency-safe log sink.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

type testEnv struct {
	h       http.Handler
	backend object.Backend
	logs    *logBuffer
}

// newEnv serves a fresh posix backend with headerAuth; mod adjusts the config.
func newEnv(t *testing.T, mod func(*Config)) *testEnv {
	t.Helper()
	be, err := posix.New(t.TempDir(), posix.Options{})
	if err != nil {
		t.Fatal(err)
	}
	logs := &logBuffer{}
	cfg := Config{Backend: be, Auth: headerAuth{}, Logger: slog.New(slog.NewTextHandler(logs, nil))}
	if mod != nil {
		mod(&cfg)
	}
	return &testEnv{h: New(cfg), backend: be, logs: logs}
}

// do sends one request; hdr is "Name: value" pairs.
func (e *testEnv) do(t *testing.T, method, target string, body string, hdr ...string) *httptest.ResponseRecorder {
	t.Helper()
	w, _ := e.doInfo(t, method, target, body, hdr...)
	return w
}

func (e *testEnv) doInfo(t *testing.T, method, target string, body string, hdr ...string) (*httptest.ResponseRecorder, *reqctx.Info) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	r := httptest.NewRequest(method, target, rd)
	for _, h := range hdr {
		k, v, _ := strings.Cut(h, ":")
		r.Header.Add(strings.TrimSpace(k), strings.TrimSpace(v))
	}
	info := &reqctx.Info{}
	r = r.WithContext(reqctx.With(r.Context(), info))
	w := httptest.NewRecorder()
	e.h.ServeHTTP(w, r)
	// A client parsing the response canonicalises header names; do the same
	// so tests can use Header().Get. TestUserMetadataLowerCase checks the raw names.
	for k, v := range w.Header() {
		if ck := http.CanonicalHeaderKey(k); ck != k {
			delete(w.Header(), k)
			w.Header()[ck] = v
		}
	}
	return w, info
}

// mustStatus fails unless w has status and (if code != "") that S3 error code.
func mustStatus(t *testing.T, w *httptest.ResponseRecorder, status int, code string) {
	t.Helper()
	if w.Code != status {
		t.Fatalf("status %d, want %d; body %s", w.Code, status, w.Body)
	}
	if code != "" && !strings.Contains(w.Body.String(), "<Code>"+code+"</Code>") {
		t.Fatalf("body lacks code %s: %s", code, w.Body)
	}
}

// failingBackend returns an unexpected error from HeadBucket.
type failingBackend struct {
	object.Backend
}

func (failingBackend) HeadBucket(context.Context, string) (object.BucketInfo, error) {
	return object.BucketInfo{}, io.ErrClosedPipe
}

// newChunkedPut builds a PUT whose body has no declared length.
func newChunkedPut(t *testing.T, target, body string) *http.Request {
	t.Helper()
	r := httptest.NewRequest("PUT", target, io.MultiReader(strings.NewReader(body)))
	r.ContentLength = -1
	return r
}

func (e *testEnv) serve(r *http.Request) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	e.h.ServeHTTP(w, r)
	return w
}
