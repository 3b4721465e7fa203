package sigv4

import (
	"bytes"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// Seeds live in testdata/fuzz/<FuzzName>; `go test` runs them as tests.

func FuzzParseAuthorization(f *testing.F) {
	f.Add("AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, SignedHeaders=host;range;x-amz-date, Signature=" + goodSig)
	f.Fuzz(func(t *testing.T, h string) {
		a, err := ParseAuthorization(h)
		if err != nil {
			return
		}
		if a.Credential.AccessKey == "" || a.Credential.Scope.Region == "" || len(a.SignedHeaders) == 0 {
			t.Fatalf("accepted incomplete header %q: %+v", h, a)
		}
		// What we accept, we accept again in canonical form.
		again := Algorithm + " Credential=" + a.Credential.AccessKey + "/" + a.Credential.Scope.String() +
			",SignedHeaders=" + strings.Join(a.SignedHeaders, ";") + ",Signature=" + strings.ToLower(hexString(a.Signature[:]))
		b, err := ParseAuthorization(again)
		if err != nil || b.Signature != a.Signature || b.Credential.AccessKey != a.Credential.AccessKey {
			t.Fatalf("round trip of %q failed: %v", h, err)
		}
	})
}

func hexString(b []byte) string {
	const digits = "0123456789abcdef"
	out := make([]byte, 0, 2*len(b))
	for _, c := range b {
		out = append(out, digits[c>>4], digits[c&15])
	}
	return string(out)
}

func FuzzChunkedReader(f *testing.F) {
	f.Add([]byte("5\r\nhello\r\n0\r\nx-amz-checksum-crc32:NhCmhg==\r\n\r\n"), false, true, uint16(5))
	f.Add(encodeChunked([]byte("signed data"), 4, testSigning(), nil), true, false, uint16(11))
	f.Fuzz(func(t *testing.T, body []byte, signed, trailer bool, decoded uint16) {
		opts := ChunkedOptions{Trailer: trailer, DecodedLength: int64(decoded), TrailerNames: []string{"x-amz-checksum-crc32"}}
		if signed {
			opts.Signing = testSigning()
		}
		cr := NewChunkedReader(bytes.NewReader(body), opts)
		out, err := io.ReadAll(io.LimitReader(cr, 1<<20))
		if int64(len(out)) > opts.DecodedLength {
			t.Fatalf("decoded %d bytes, more than the declared %d", len(out), opts.DecodedLength)
		}
		if err == nil && int64(len(out)) != opts.DecodedLength {
			t.Fatalf("accepted %d bytes for a declared %d", len(out), opts.DecodedLength)
		}
		if len(out) > len(body) {
			t.Fatalf("decoded more than the input")
		}
	})
}

func FuzzCanonicalize(f *testing.F) {
	f.Add("PUT", "/bkt/a%20b+c=d/%E6%97%A5", "uploads&x-id=PutObject&prefix=a+b%2F", "X-Amz-Meta-A", "  two   spaces ")
	f.Add("GET", "/", "", "Range", "bytes=0-9")
	f.Fuzz(func(t *testing.T, method, path, rawQuery, hname, hval string) {
		q1, err := CanonicalQuery(rawQuery, false)
		if err == nil {
			// Canonicalisation is idempotent.
			if q2, err := CanonicalQuery(q1, false); err != nil || q2 != q1 {
				t.Fatalf("CanonicalQuery not idempotent: %q -> %q -> %q (%v)", rawQuery, q1, q2, err)
			}
		}
		u, err := url.Parse("http://127.0.0.1:9000" + path + "?" + rawQuery)
		if err != nil || method == "" || strings.ContainsAny(method, " \r\n\t") {
			return
		}
		r, err := http.NewRequest(method, u.String(), nil)
		if err != nil {
			return
		}
		if hname != "" {
			r.Header[http.CanonicalHeaderKey(hname)] = []string{hval}
		}
		now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
		if err := SignRequest(r, "AK", "secret", "us-east-1", "s3", UnsignedPayload, now); err != nil {
			return
		}
		s, err := ParseRequest(r)
		if err != nil {
			return // e.g. header names that are not valid tokens
		}
		key := DeriveKey("secret", s.Scope.Date, s.Scope.Region, s.Scope.Service)
		if err := s.Verify(r, key); err != nil {
			if _, qerr := CanonicalQuery(r.URL.RawQuery, false); qerr != nil {
				return
			}
			t.Fatalf("own signature refused: %v", err)
		}
	})
}
