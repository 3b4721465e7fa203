package sigv4

import (
	"errors"
	"net/http"
	"testing"
	"time"
)

// TestSignRefusesInvalidHeaderName: a header name that is not an HTTP token
// cannot be signed ("Y " would read as "y" in SignedHeaders).
func TestSignRefusesInvalidHeaderName(t *testing.T) {
	for _, name := range []string{"Y ", "a:b", "x\ty"} {
		r, err := http.NewRequest(http.MethodGet, "http://127.0.0.1:9000/b/k", nil)
		if err != nil {
			t.Fatal(err)
		}
		r.Header[name] = []string{"v"}
		err = SignRequest(r, "AK", "secret", "us-east-1", "s3", UnsignedPayload, time.Now())
		if !errors.Is(err, ErrInvalidArgument) {
			t.Errorf("header %q: SignRequest = %v, want ErrInvalidArgument", name, err)
		}
	}
}
