package s3api

import (
	"io"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestDrainAfterError: a body whose reading began and stopped short is
// drained (so the client can read the error); a body never read is left
// alone (an "Expect: 100-continue" client is not asked to send it).
func TestDrainAfterError(t *testing.T) {
	t.Parallel()
	r := httptest.NewRequest("PUT", "/b/k", strings.NewReader(strings.Repeat("x", 1000)))
	tr := trackBody(r)
	if _, err := io.ReadFull(r.Body, make([]byte, 10)); err != nil {
		t.Fatal(err)
	}
	drainAfterError(tr)
	if n, _ := io.Copy(io.Discard, tr.rc); n != 0 {
		t.Fatalf("%d bytes left after the drain, want 0", n)
	}

	untouched := strings.NewReader("abc")
	r2 := httptest.NewRequest("PUT", "/b/k", untouched)
	drainAfterError(trackBody(r2))
	if untouched.Len() != 3 {
		t.Fatalf("an unread body was drained (%d bytes left)", untouched.Len())
	}
	if trackBody(httptest.NewRequest("GET", "/b/k", nil)) != nil {
		t.Fatal("a bodiless request got a tracker")
	}
}
