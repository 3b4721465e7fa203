package s3api

import (
	"bytes"
	"context"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/fedstore/fedstore/internal/reqctx"
)

// TestUserMetadataLowerCase: S3 sends x-amz-meta-* names in lower case (boto3
// shows them as sent), so the handler must not let net/http canonicalise them.
func TestUserMetadataLowerCase(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	mustStatus(t, e.do(t, "PUT", "/bkt", ""), 200, "")
	mustStatus(t, e.do(t, "PUT", "/bkt/k", "x", "X-Amz-Meta-Colour: blue"), 200, "")
	r := httptest.NewRequest("GET", "/bkt/k", nil)
	r = r.WithContext(reqctx.With(r.Context(), &reqctx.Info{}))
	w := httptest.NewRecorder()
	e.h.ServeHTTP(w, r)
	found := false
	for name, v := range w.Header() { // raw names, as written on the wire
		if name == "x-amz-meta-colour" && len(v) == 1 && v[0] == "blue" {
			found = true
		}
	}
	if !found {
		t.Fatalf("raw headers %v: want x-amz-meta-colour: blue", w.Header())
	}
}

// TestClientGoneIsNotAnInternalError: a request whose client disconnected
// (its context is cancelled) is logged as abandoned, not as a server fault.
func TestClientGoneIsNotAnInternalError(t *testing.T) {
	t.Parallel()
	var logs bytes.Buffer
	e := newEnv(t, func(c *Config) { c.Logger = slog.New(slog.NewTextHandler(&logs, nil)) })
	mustStatus(t, e.do(t, "PUT", "/bkt", ""), 200, "")
	ctx, cancel := context.WithCancel(reqctx.With(context.Background(), &reqctx.Info{ID: "GONE"}))
	cancel()
	r := httptest.NewRequest("PUT", "/bkt/k", strings.NewReader("data")).WithContext(ctx)
	e.h.ServeHTTP(httptest.NewRecorder(), r)
	if strings.Contains(logs.String(), "internal error") || !strings.Contains(logs.String(), "abandoned by the client") {
		t.Fatalf("log for a cancelled request:\n%s", logs.String())
	}
	if w := e.do(t, "HEAD", "/bkt/k", ""); w.Code != 404 {
		t.Fatalf("HEAD after the abandoned PUT: %d, want 404", w.Code)
	}
}
