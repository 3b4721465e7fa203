package s3api

import (
	"net/http/httptest"
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
