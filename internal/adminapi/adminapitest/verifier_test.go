package adminapitest_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/fedstore/fedstore/internal/adminapi/adminapitest"
	"github.com/fedstore/fedstore/internal/authn"
)

// TestVerifier: a correctly signed request is root; changing any signed part
// is SignatureDoesNotMatch, so the verifier is a real check for client tests.
func TestVerifier(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 29, 9, 0, 0, 0, time.UTC)
	v := &adminapitest.Verifier{AccessKey: "AKID", SecretKey: "secret-key-1", Clock: func() time.Time { return now }}
	emptyHash := sha256.Sum256(nil)
	signed := func() *http.Request {
		r := httptest.NewRequest(http.MethodGet, "http://127.0.0.1:9000/_fedstore/admin/v1/info", nil)
		r.Header.Set("X-Amz-Content-Sha256", hex.EncodeToString(emptyHash[:]))
		r.Header.Set("X-Custom", "a")
		signer := v4.NewSigner(func(o *v4.SignerOptions) { o.DisableURIPathEscaping = true })
		if err := signer.SignHTTP(context.Background(), aws.Credentials{AccessKeyID: "AKID", SecretAccessKey: "secret-key-1"},
			r, hex.EncodeToString(emptyHash[:]), "s3", "us-east-1", now); err != nil {
			t.Fatal(err)
		}
		return r
	}
	tests := []struct {
		name   string
		tamper func(r *http.Request)
		want   error
	}{
		{"untouched", func(*http.Request) {}, nil},
		{"path", func(r *http.Request) { r.URL.Path = "/_fedstore/admin/v1/other" }, authn.ErrSignatureDoesNotMatch},
		{"query", func(r *http.Request) { r.URL.RawQuery = "x=1" }, authn.ErrSignatureDoesNotMatch},
		{"signed header", func(r *http.Request) { r.Header.Set("X-Custom", "b") }, authn.ErrSignatureDoesNotMatch},
		{"host", func(r *http.Request) { r.Host = "example.com" }, authn.ErrSignatureDoesNotMatch},
		{"method", func(r *http.Request) { r.Method = http.MethodDelete }, authn.ErrSignatureDoesNotMatch},
		{"no auth", func(r *http.Request) { r.Header.Del("Authorization") }, nil},
	}
	for _, tc := range tests {
		r := signed()
		tc.tamper(r)
		res, err := v.Authenticate(r)
		if !errors.Is(err, tc.want) {
			t.Fatalf("%s: %v, want %v", tc.name, err, tc.want)
		}
		if err == nil && tc.name == "untouched" && res.Principal.Kind != authn.Root {
			t.Fatalf("%s: principal %+v", tc.name, res.Principal)
		}
		if err == nil && tc.name == "no auth" && res.Principal.Kind != authn.Anonymous {
			t.Fatalf("%s: principal %+v", tc.name, res.Principal)
		}
	}
}
