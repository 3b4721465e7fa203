package sigv4

import (
	"bufio"
	"encoding/hex"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

const (
	exampleAK     = "AKIAIOSFODNN7EXAMPLE"
	exampleSecret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
)

var exampleTime = time.Date(2013, 5, 24, 0, 0, 0, 0, time.UTC)

// wireRequest parses a request exactly as the server would receive it.
func wireRequest(t testing.TB, head string, body string) *http.Request {
	t.Helper()
	raw := strings.ReplaceAll(head, "\n", "\r\n") + "\r\n" + body
	r, err := http.ReadRequest(bufio.NewReader(strings.NewReader(raw)))
	if err != nil {
		t.Fatalf("ReadRequest: %v", err)
	}
	return r
}

// authenticate runs the whole server-side pipeline of this package.
func authenticate(r *http.Request, secret string, now time.Time) (*Signed, *Body, error) {
	s, err := ParseRequest(r)
	if err != nil {
		return nil, nil, err
	}
	if s == nil {
		b, err := NewBody(r, r.Header.Get("X-Amz-Content-Sha256"), nil)
		return nil, b, err
	}
	if err := s.CheckTime(now, 15*time.Minute); err != nil {
		return s, nil, err
	}
	key := DeriveKey(secret, s.Scope.Date, s.Scope.Region, s.Scope.Service)
	if err := s.Verify(r, key); err != nil {
		return s, nil, err
	}
	b, err := NewBody(r, s.PayloadHash, &ChunkSigning{Key: key, AmzDate: s.AmzDate, Scope: s.ScopeString(), Seed: hex.EncodeToString(s.Signature[:])})
	return s, b, err
}

// readAll authenticates r and reads its whole body.
func readAll(r *http.Request, secret string, now time.Time) ([]byte, error) {
	_, b, err := authenticate(r, secret, now)
	if err != nil {
		return nil, err
	}
	return io.ReadAll(b)
}

func readAllBody(b *Body) ([]byte, error) { return io.ReadAll(b) }
