package authn

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/fedstore/fedstore/internal/sigv4"
)

var testNow = time.Date(2026, 11, 29, 8, 0, 0, 0, time.UTC)

// fakeSource is a CredentialSource over a map, counting lookups.
type fakeSource map[string]Credential

func (f fakeSource) LookupCredential(_ context.Context, ak, _ string) (Credential, error) {
	c, ok := f[ak]
	if !ok {
		return Credential{}, fmt.Errorf("%w: %s", ErrInvalidAccessKeyId, ak)
	}
	return c, nil
}

func testSource() fakeSource {
	return fakeSource{
		"ROOTKEY": {AccessKey: "ROOTKEY", SecretKey: "rootsecret", Principal: Principal{Kind: Root, Name: "root"}},
		"SESSKEY": {AccessKey: "SESSKEY", SecretKey: "sesssecret", SessionToken: "the-session-token",
			Expiration: testNow.Add(time.Hour), Principal: Principal{Kind: Session, Name: "alice"}},
		"OLDKEY": {AccessKey: "OLDKEY", SecretKey: "oldsecret", SessionToken: "old-token",
			Expiration: testNow.Add(-time.Second), Principal: Principal{Kind: Session, Name: "bob"}},
	}
}

func newTestAuthenticator() *Authenticator {
	return New(testSource(), Options{Clock: func() time.Time { return testNow }})
}

// wire serialises a client request and parses it back as a server would.
func wire(t *testing.T, r *http.Request) *http.Request {
	t.Helper()
	var buf bytes.Buffer
	if err := r.Write(&buf); err != nil {
		t.Fatal(err)
	}
	sr, err := http.ReadRequest(bufio.NewReader(&buf))
	if err != nil {
		t.Fatal(err)
	}
	return sr
}

type reqSpec struct {
	method, target, body string
	ak, secret, token    string
	region               string
	at                   time.Time
	payload              string // "" = signed hash of body
	header               map[string]string
	presign              time.Duration
	anonymous            bool
	raw                  func(string) string // edits the serialized Authorization header
}

func build(t *testing.T, s reqSpec) *http.Request {
	t.Helper()
	if s.method == "" {
		s.method = "PUT"
	}
	if s.target == "" {
		s.target = "http://127.0.0.1:9000/bkt/key%20one"
	}
	if s.region == "" {
		s.region = "us-east-1"
	}
	if s.at.IsZero() {
		s.at = testNow
	}
	var body io.Reader = http.NoBody
	if s.body != "" {
		body = strings.NewReader(s.body)
	}
	r, err := http.NewRequest(s.method, s.target, body)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range s.header {
		r.Header.Set(k, v)
	}
	switch {
	case s.anonymous:
	case s.presign > 0:
		if _, err := sigv4.PresignRequest(r, s.ak, s.secret, s.token, s.region, "s3", s.at, s.presign); err != nil {
			t.Fatal(err)
		}
	default:
		if s.token != "" {
			r.Header.Set("X-Amz-Security-Token", s.token)
		}
		ph := s.payload
		if ph == "" {
			ph = sigv4.PayloadHash([]byte(s.body))
		}
		if err := sigv4.SignRequest(r, s.ak, s.secret, s.region, "s3", ph, s.at); err != nil {
			t.Fatal(err)
		}
		if s.raw != nil {
			r.Header.Set("Authorization", s.raw(r.Header.Get("Authorization")))
		}
	}
	return wire(t, r)
}

func TestAuthenticate(t *testing.T) {
	t.Parallel()
	root := func(s reqSpec) reqSpec { s.ak, s.secret = "ROOTKEY", "rootsecret"; return s }
	sess := func(s reqSpec) reqSpec {
		s.ak, s.secret, s.token = "SESSKEY", "sesssecret", "the-session-token"
		return s
	}
	tests := []struct {
		name        string
		spec        reqSpec
		wantErr     error
		wantReadErr error
		wantKind    Kind
		wantName    string
		wantSum     string
	}{
		{name: "anonymous", spec: reqSpec{anonymous: true, body: "public"}, wantKind: Anonymous},
		{name: "anonymous with bad header checksum", spec: reqSpec{anonymous: true, body: "public", header: map[string]string{"X-Amz-Checksum-Crc32": "AAAAAA=="}}, wantReadErr: ErrBadDigest},
		{name: "root signed payload", spec: root(reqSpec{body: "hello"}), wantKind: Root, wantName: "root"},
		{name: "root with crc32", spec: root(reqSpec{body: "hello", header: map[string]string{"X-Amz-Checksum-Crc32": sigv4.CRC32.Checksum([]byte("hello"))}}), wantKind: Root, wantName: "root", wantSum: sigv4.CRC32.Checksum([]byte("hello"))},
		{name: "root unsigned payload", spec: root(reqSpec{body: "hello", payload: sigv4.UnsignedPayload}), wantKind: Root, wantName: "root"},
		{name: "session", spec: sess(reqSpec{body: "hello"}), wantKind: Session, wantName: "alice"},
		{name: "session presigned", spec: sess(reqSpec{method: "GET", presign: time.Hour}), wantKind: Session, wantName: "alice"},
		{name: "root presigned", spec: root(reqSpec{method: "GET", presign: time.Hour}), wantKind: Root, wantName: "root"},
		{name: "presigned expired", spec: root(reqSpec{method: "GET", presign: time.Minute, at: testNow.Add(-2 * time.Minute)}), wantErr: ErrAccessDenied},
		{name: "wrong secret", spec: reqSpec{ak: "ROOTKEY", secret: "nope", body: "x"}, wantErr: ErrSignatureDoesNotMatch},
		{name: "unknown key", spec: reqSpec{ak: "NOSUCHKEY", secret: "x", body: "x"}, wantErr: ErrInvalidAccessKeyId},
		{name: "wrong region", spec: root(reqSpec{region: "eu-west-1"}), wantErr: ErrAuthorizationHeaderMalformed},
		{name: "wrong region presigned", spec: root(reqSpec{method: "GET", region: "eu-west-1", presign: time.Hour}), wantErr: ErrAuthorizationQueryParametersError},
		{name: "skewed date", spec: root(reqSpec{at: testNow.Add(-16 * time.Minute)}), wantErr: ErrRequestTimeTooSkewed},
		{name: "skewed future date", spec: root(reqSpec{at: testNow.Add(16 * time.Minute)}), wantErr: ErrRequestTimeTooSkewed},
		{name: "malformed header", spec: root(reqSpec{raw: func(h string) string { return strings.Replace(h, "SignedHeaders=", "SignedHeader=", 1) }}), wantErr: ErrAuthorizationHeaderMalformed},
		{name: "session without token", spec: reqSpec{ak: "SESSKEY", secret: "sesssecret"}, wantErr: ErrMissingSecurityHeader},
		{name: "session wrong token", spec: reqSpec{ak: "SESSKEY", secret: "sesssecret", token: "the-session-tokeN"}, wantErr: ErrInvalidToken},
		{name: "token for a key that takes none", spec: reqSpec{ak: "ROOTKEY", secret: "rootsecret", token: "stray"}, wantErr: ErrInvalidToken},
		{name: "expired session", spec: reqSpec{ak: "OLDKEY", secret: "oldsecret", token: "old-token"}, wantErr: ErrExpiredToken},
		{name: "body does not match hash", spec: root(reqSpec{body: "hello", payload: sigv4.PayloadHash([]byte("bye"))}), wantReadErr: ErrXAmzContentSHA256Mismatch},
		{name: "bad content-md5", spec: root(reqSpec{body: "hello", header: map[string]string{"Content-Md5": "1B2M2Y8AsgTpgAmY7PhCfg=="}}), wantReadErr: ErrBadDigest},
	}
	a := newTestAuthenticator()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			res, err := a.Authenticate(build(t, tt.spec))
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("err = %v, want %v", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Authenticate: %v", err)
			}
			got, err := io.ReadAll(res.Body)
			if tt.wantReadErr != nil {
				if !errors.Is(err, tt.wantReadErr) {
					t.Fatalf("read err = %v, want %v", err, tt.wantReadErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("read: %v", err)
			}
			if string(got) != tt.spec.body {
				t.Fatalf("body %q, want %q", got, tt.spec.body)
			}
			if res.Principal.Kind != tt.wantKind || res.Principal.Name != tt.wantName {
				t.Fatalf("principal %+v", res.Principal)
			}
			if tt.wantKind != Anonymous && res.Principal.AccessKey != tt.spec.ak {
				t.Fatalf("principal access key %q", res.Principal.AccessKey)
			}
			if res.Presigned != (tt.spec.presign > 0) {
				t.Fatalf("Presigned = %v", res.Presigned)
			}
			if res.Checksum() != tt.wantSum {
				t.Fatalf("Checksum() = %q, want %q", res.Checksum(), tt.wantSum)
			}
		})
	}
}

// Region and service messages name what is expected.
func TestAuthenticateRegionMessage(t *testing.T) {
	t.Parallel()
	a := New(testSource(), Options{Region: "eu-central-1", Clock: func() time.Time { return testNow }})
	_, err := a.Authenticate(build(t, reqSpec{ak: "ROOTKEY", secret: "rootsecret"}))
	if !errors.Is(err, ErrAuthorizationHeaderMalformed) || !strings.Contains(err.Error(), "expecting 'eu-central-1'") {
		t.Fatalf("err = %v", err)
	}
}

// Hand-built aws-chunked bodies through the Authenticator.
func TestAuthenticateUnsignedTrailer(t *testing.T) {
	t.Parallel()
	crc := sigv4.CRC32.Checksum([]byte("hello"))
	tests := []struct {
		name, body string
		wantErr    error
	}{
		{"good", "5\r\nhello\r\n0\r\nx-amz-checksum-crc32:" + crc + "\r\n\r\n", nil},
		{"wrong trailer checksum", "5\r\nhello\r\n0\r\nx-amz-checksum-crc32:AAAAAA==\r\n\r\n", ErrBadDigest},
		{"truncated", "5\r\nhel", ErrIncompleteBody},
		{"shorter than declared", "4\r\nhell\r\n0\r\nx-amz-checksum-crc32:" + crc + "\r\n\r\n", ErrIncompleteBody},
		{"longer than declared", "6\r\nhello!\r\n0\r\nx-amz-checksum-crc32:" + crc + "\r\n\r\n", ErrInvalidRequest},
	}
	a := newTestAuthenticator()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := build(t, reqSpec{ak: "ROOTKEY", secret: "rootsecret", body: tt.body, payload: sigv4.StreamingUnsignedTrailer,
				header: map[string]string{"X-Amz-Trailer": "x-amz-checksum-crc32", "X-Amz-Decoded-Content-Length": "5", "Content-Encoding": "aws-chunked"}})
			res, err := a.Authenticate(r)
			if err != nil {
				t.Fatal(err)
			}
			got, err := io.ReadAll(res.Body)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("err = %v, want %v", err, tt.wantErr)
				}
				return
			}
			if err != nil || string(got) != "hello" || res.ContentLength != 5 || res.ChecksumAlgorithm != "CRC32" || res.Checksum() != crc {
				t.Fatalf("got %q, %v, len %d, alg %q, sum %q", got, err, res.ContentLength, res.ChecksumAlgorithm, res.Checksum())
			}
		})
	}
}
