package sigv4

import (
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
)

// TestNewBodyEmpty: a request without a body reads as empty, with or
// without the shortcut for the declared digest of nothing, and a digest of
// something else still fails at io.EOF.
func TestNewBodyEmpty(t *testing.T) {
	t.Parallel()
	sha := SHA256.Checksum(nil)
	tests := []struct {
		name    string
		payload string
		body    io.ReadCloser
		length  int64
		header  map[string]string
		wantErr error
		wantSum string
	}{
		{name: "empty digest, no body", payload: EmptySHA256, body: http.NoBody},
		{name: "empty digest, nil body", payload: EmptySHA256},
		{name: "empty digest upper case", payload: strings.ToUpper(EmptySHA256), body: http.NoBody},
		{name: "empty digest, a reader", payload: EmptySHA256, body: io.NopCloser(strings.NewReader(""))},
		{name: "empty digest, unknown length", payload: EmptySHA256, body: io.NopCloser(strings.NewReader("")), length: -1},
		{name: "empty digest but a body", payload: EmptySHA256, body: io.NopCloser(strings.NewReader("x")), length: 1, wantErr: ErrXAmzContentSHA256Mismatch},
		{name: "other digest, no body", payload: PayloadHash([]byte("x")), body: http.NoBody, wantErr: ErrXAmzContentSHA256Mismatch},
		{name: "empty digest with a checksum", payload: EmptySHA256, body: http.NoBody,
			header: map[string]string{"X-Amz-Checksum-Sha256": sha}, wantSum: sha},
		{name: "empty digest with a wrong checksum", payload: EmptySHA256, body: http.NoBody,
			header: map[string]string{"X-Amz-Checksum-Sha256": SHA256.Checksum([]byte("x"))}, wantErr: ErrBadDigest},
		{name: "empty digest with content-md5", payload: EmptySHA256, body: http.NoBody,
			header: map[string]string{"Content-Md5": "1B2M2Y8AsgTpgAmY7PhCfg=="}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := &http.Request{Method: "GET", Header: http.Header{}, Body: tt.body, ContentLength: tt.length}
			for k, v := range tt.header {
				r.Header.Set(k, v)
			}
			b, err := NewBody(r, tt.payload, nil)
			if err != nil {
				t.Fatal(err)
			}
			got, err := io.ReadAll(b)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("read err = %v, want %v", err, tt.wantErr)
				}
				return
			}
			if err != nil || len(got) != 0 {
				t.Fatalf("read %q, %v", got, err)
			}
			if n, err := b.Read(make([]byte, 1)); n != 0 || err != io.EOF {
				t.Fatalf("read after EOF: %d, %v", n, err)
			}
			if b.Checksum() != tt.wantSum {
				t.Fatalf("Checksum() = %q, want %q", b.Checksum(), tt.wantSum)
			}
		})
	}
}

// TestParseRequestInto: it fills the caller's Signed as ParseRequest
// returns one, and reports anonymous requests.
func TestParseRequestInto(t *testing.T) {
	t.Parallel()
	r, _ := http.NewRequest("GET", "http://h/b/k", nil)
	var s Signed
	if ok, err := ParseRequestInto(r, &s); ok || err != nil {
		t.Fatalf("anonymous: %v, %v", ok, err)
	}
	r.Header.Set("X-Amz-Date", "20130524T000000Z")
	r.Header.Set("X-Amz-Content-Sha256", EmptySHA256)
	r.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AK/20130524/us-east-1/s3/aws4_request, SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature="+strings.Repeat("ab", 32))
	s.Presigned = true // overwritten
	ok, err := ParseRequestInto(r, &s)
	if !ok || err != nil {
		t.Fatalf("signed: %v, %v", ok, err)
	}
	want, err := ParseRequest(r)
	if err != nil {
		t.Fatal(err)
	}
	if s != *want {
		t.Fatalf("ParseRequestInto = %+v, ParseRequest = %+v", s, *want)
	}
	if got := strings.Join(s.SignedHeaders(), ","); got != "host,x-amz-content-sha256,x-amz-date" {
		t.Fatalf("SignedHeaders() = %s", got)
	}
}
