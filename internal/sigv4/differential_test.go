package sigv4

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// escapeKey encodes an object key the way the S3 SDKs put it on the wire:
// every byte outside the unreserved set, except '/', percent-encoded.
func escapeKey(key string) string {
	var b strings.Builder
	for seg := range strings.SplitSeq(key, "/") {
		if b.Len() > 0 || strings.HasPrefix(key, "/") {
			b.WriteByte('/')
		}
		b.WriteString(URIEncode(seg))
	}
	return b.String()
}

type diffCase struct {
	name, method, key, query, body string
	header                         map[string]string
}

var diffCases = []diffCase{
	{name: "plain get", method: "GET", key: "bkt/photos/2024/cat.jpg"},
	{name: "spaces", method: "PUT", key: "bkt/with space/file name.txt", body: "hello"},
	{name: "unicode", method: "PUT", key: "bkt/unicode/日本語/ключ ü.txt", body: "x"},
	{name: "plus", method: "GET", key: "bkt/a+b+c", query: "response-content-type=text%2Fplain%2Bx"},
	{name: "equals", method: "GET", key: "bkt/k=v=w", query: "versionId=a%3Db"},
	{name: "reserved chars", method: "GET", key: "bkt/x!$&'()*,;:@~-_.txt"},
	{name: "uploads", method: "POST", key: "bkt/big.bin", query: "uploads="},
	{name: "x-id", method: "PUT", key: "bkt/obj", query: "x-id=PutObject", body: "payload bytes"},
	{name: "list", method: "GET", key: "bkt/", query: "list-type=2&prefix=a%20b%2Bc&delimiter=%2F&max-keys=10&fetch-owner=true"},
	{name: "repeated params", method: "GET", key: "bkt", query: "b=2&a=1&a=0&c="},
	{name: "metadata headers", method: "PUT", key: "bkt/meta", body: "m",
		header: map[string]string{"X-Amz-Meta-Note": "  hello   wide  world ", "Content-Type": "text/plain", "X-Amz-Storage-Class": "STANDARD", "X-Amz-Meta-Tab": "a\tb  c"}},
}

func clientRequest(t testing.TB, c diffCase) *http.Request {
	t.Helper()
	path := escapeKey("/" + c.key)
	target := "http://127.0.0.1:9000" + path
	if c.query != "" {
		target += "?" + c.query
	}
	r, err := http.NewRequest(c.method, target, strings.NewReader(c.body))
	if err != nil {
		t.Fatal(err)
	}
	if c.body == "" {
		r.Body, r.ContentLength = http.NoBody, 0
	}
	for k, v := range c.header {
		r.Header.Set(k, v)
	}
	return r
}

// onTheWire serialises a client request and parses it as the server would.
func onTheWire(t testing.TB, r *http.Request) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := r.Write(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func fromWire(t testing.TB, raw []byte) *http.Request {
	t.Helper()
	r, err := http.ReadRequest(bufio.NewReader(bytes.NewReader(raw)))
	if err != nil {
		t.Fatalf("ReadRequest: %v\n%s", err, raw)
	}
	return r
}

func sdkSign(t testing.TB, r *http.Request, payloadHash string, now time.Time) {
	t.Helper()
	creds := aws.Credentials{AccessKeyID: exampleAK, SecretAccessKey: exampleSecret}
	r.Header.Set("X-Amz-Content-Sha256", payloadHash)
	err := v4.NewSigner().SignHTTP(context.Background(), creds, r, payloadHash, "s3", "us-east-1", now,
		func(o *v4.SignerOptions) { o.DisableURIPathEscaping = true })
	if err != nil {
		t.Fatal(err)
	}
}

// mutate flips one byte of raw inside the first occurrence of region (at
// offset off within it), keeping the request parseable.
func mutate(t testing.TB, raw []byte, region string, off int) []byte {
	t.Helper()
	i := bytes.Index(raw, []byte(region))
	if i < 0 {
		t.Fatalf("region %q not in request", region)
	}
	out := bytes.Clone(raw)
	c := out[i+off]
	const hexCycle = "0123456789abcdef0"
	switch j := strings.IndexByte(hexCycle, c); {
	case j >= 0: // stays a hex digit
		out[i+off] = hexCycle[j+1]
	case c >= 'g' && c < 'z', c >= 'A' && c < 'Z':
		out[i+off] = c + 1
	default:
		out[i+off] = 'q'
	}
	return out
}

func TestDifferentialSignHTTP(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 29, 8, 0, 0, 0, time.UTC)
	for _, c := range diffCases {
		for _, payload := range []string{"signed", UnsignedPayload} {
			t.Run(c.name+"/"+payload, func(t *testing.T) {
				t.Parallel()
				r := clientRequest(t, c)
				ph := payload
				if ph == "signed" {
					ph = PayloadHash([]byte(c.body))
				}
				sdkSign(t, r, ph, now)
				raw := onTheWire(t, r)
				got, err := readAll(fromWire(t, raw), exampleSecret, now)
				if err != nil {
					t.Fatalf("SDK-signed request refused: %v\n%s", err, raw)
				}
				if string(got) != c.body {
					t.Fatalf("body %q, want %q", got, c.body)
				}
				line := string(raw[:bytes.IndexByte(raw, '\r')])
				pathStart := len(c.method) + 2 // after "METHOD /"
				mutations := []struct {
					name, region string
					off          int
					want         error
				}{
					{"signature", "Signature=", len("Signature=") + 5, ErrSignatureDoesNotMatch},
					{"path", line[:pathStart+1], pathStart, ErrSignatureDoesNotMatch},
					{"date", "X-Amz-Date: ", len("X-Amz-Date: ") + 14, ErrSignatureDoesNotMatch},
				}
				if c.query != "" {
					q := line[strings.IndexByte(line, '?')+1:]
					mutations = append(mutations, struct {
						name, region string
						off          int
						want         error
					}{"query", "?" + q[:1], 1, ErrSignatureDoesNotMatch})
				}
				if c.header != nil {
					mutations = append(mutations, struct {
						name, region string
						off          int
						want         error
					}{"header", "X-Amz-Meta-Note: ", len("X-Amz-Meta-Note: ") + 3, ErrSignatureDoesNotMatch})
				}
				if c.body != "" {
					want := ErrXAmzContentSHA256Mismatch
					if payload == UnsignedPayload {
						want = nil
					}
					mutations = append(mutations, struct {
						name, region string
						off          int
						want         error
					}{"body", "\r\n\r\n" + c.body, 4, want})
				}
				for _, m := range mutations {
					_, err := readAll(fromWire(t, mutate(t, raw, m.region, m.off)), exampleSecret, now)
					if m.want == nil {
						if err != nil {
							t.Errorf("%s changed (unsigned payload): err = %v, want nil", m.name, err)
						}
						continue
					}
					if !errors.Is(err, m.want) {
						t.Errorf("%s changed: err = %v, want %v", m.name, err, m.want)
					}
				}
			})
		}
	}
}

func TestDifferentialPresignHTTP(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 29, 8, 0, 0, 0, time.UTC)
	creds := aws.Credentials{AccessKeyID: exampleAK, SecretAccessKey: exampleSecret, SessionToken: "tok+en/=="}
	for _, c := range diffCases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			r := clientRequest(t, c)
			q := r.URL.Query()
			q.Set("X-Amz-Expires", "900")
			r.URL.RawQuery = q.Encode()
			u, hdr, err := v4.NewSigner().PresignHTTP(context.Background(), creds, r, UnsignedPayload, "s3", "us-east-1", now,
				func(o *v4.SignerOptions) { o.DisableURIPathEscaping = true })
			if err != nil {
				t.Fatal(err)
			}
			pr, err := http.NewRequest(c.method, u, strings.NewReader(c.body))
			if err != nil {
				t.Fatal(err)
			}
			for k, v := range hdr {
				if !strings.EqualFold(k, "host") {
					pr.Header[k] = v
				}
			}
			raw := onTheWire(t, pr)
			s, b, err := authenticate(fromWire(t, raw), exampleSecret, now.Add(time.Minute))
			if err != nil {
				t.Fatalf("SDK-presigned request refused: %v\n%s", err, raw)
			}
			if !s.Presigned || s.SecurityToken != creds.SessionToken || s.Expires != 900*time.Second {
				t.Fatalf("parsed %+v", s)
			}
			if got, _ := readAllBody(b); string(got) != c.body {
				t.Fatalf("body %q", got)
			}
			for _, m := range []struct {
				region string
				off    int
				want   error
			}{
				{"X-Amz-Signature=", len("X-Amz-Signature=") + 7, ErrSignatureDoesNotMatch},
				{"X-Amz-Security-Token=", len("X-Amz-Security-Token=") + 1, ErrSignatureDoesNotMatch},
				{"X-Amz-Expires=", len("X-Amz-Expires=") + 1, ErrSignatureDoesNotMatch},
				{" /", 2, ErrSignatureDoesNotMatch},
			} {
				_, err := readAll(fromWire(t, mutate(t, raw, m.region, m.off)), exampleSecret, now.Add(time.Minute))
				if !errors.Is(err, m.want) {
					t.Errorf("%s changed: err = %v, want %v", m.region, err, m.want)
				}
			}
			// Expired.
			_, err = readAll(fromWire(t, raw), exampleSecret, now.Add(901*time.Second))
			if !errors.Is(err, ErrAccessDenied) || !strings.Contains(err.Error(), "Request has expired") {
				t.Fatalf("expired: err = %v", err)
			}
		})
	}
}

// SignRequest and PresignRequest produce what the SDK signer produces.
func TestSignRequestMatchesSDK(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 29, 8, 0, 0, 0, time.UTC)
	for _, c := range diffCases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			ph := PayloadHash([]byte(c.body))
			ours := clientRequest(t, c)
			if err := SignRequest(ours, exampleAK, exampleSecret, "us-east-1", "s3", ph, now); err != nil {
				t.Fatal(err)
			}
			theirs := clientRequest(t, c)
			theirs.Header.Set("X-Amz-Date", now.Format(TimeFormat))
			sdkSign(t, theirs, ph, now)
			if a, b := ours.Header.Get("Authorization"), theirs.Header.Get("Authorization"); a != b {
				t.Fatalf("Authorization differs:\nours   %s\ntheirs %s", a, b)
			}
			if _, err := readAll(fromWire(t, onTheWire(t, ours)), exampleSecret, now); err != nil {
				t.Fatalf("own signature refused: %v", err)
			}
			pr := clientRequest(t, c)
			u, err := PresignRequest(pr, exampleAK, exampleSecret, "", "us-east-1", "s3", now, time.Hour)
			if err != nil {
				t.Fatal(err)
			}
			pr2, _ := http.NewRequest(c.method, u, strings.NewReader(c.body))
			if _, err := readAll(fromWire(t, onTheWire(t, pr2)), exampleSecret, now); err != nil {
				t.Fatalf("own presigned URL refused: %v\n%s", err, u)
			}
		})
	}
}
