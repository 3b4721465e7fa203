package e2e

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

const emptySHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

// rawReq is one hand-signed S3 request.
type rawReq struct {
	Method string
	Path   string // escaped path as sent, e.g. /bkt/a%2Fb
	Body   []byte
	Header map[string]string // extra headers, signed

	AccessKey, SecretKey string    // default: root
	When                 time.Time // signing time; default now
	PayloadHash          string    // x-amz-content-sha256; default sha256(Body)
	NoSign               bool
}

// s3Error is S3's error document.
type s3Error struct {
	Code      string
	Message   string
	Resource  string
	RequestID string `xml:"RequestId"`
}

type rawResp struct {
	Status int
	Header http.Header
	Body   []byte
	Err    s3Error // parsed when the body is an <Error>
}

func (r rawResp) String() string {
	return fmt.Sprintf("status %d, body %s", r.Status, clip(string(r.Body)))
}

func sha256Hex(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// build returns the signed *http.Request for rr.
func (rr rawReq) build(t *testing.T, srv *server) *http.Request {
	t.Helper()
	req, err := http.NewRequest(rr.Method, srv.URL+rr.Path, bytes.NewReader(rr.Body))
	if err != nil {
		t.Fatal(err)
	}
	req.ContentLength = int64(len(rr.Body))
	if len(rr.Body) == 0 {
		req.Body = http.NoBody
	}
	for k, v := range rr.Header {
		req.Header.Set(k, v)
	}
	if rr.NoSign {
		return req
	}
	ak, sk := rr.AccessKey, rr.SecretKey
	if ak == "" {
		ak = rootUser
	}
	if sk == "" {
		sk = rootPassword
	}
	when := rr.When
	if when.IsZero() {
		when = time.Now()
	}
	ph := rr.PayloadHash
	if ph == "" {
		ph = sha256Hex(rr.Body)
	}
	req.Header.Set("X-Amz-Content-Sha256", ph)
	signer := v4.NewSigner(func(o *v4.SignerOptions) { o.DisableURIPathEscaping = true })
	err = signer.SignHTTP(context.Background(), aws.Credentials{AccessKeyID: ak, SecretAccessKey: sk}, req, ph, "s3", region, when)
	if err != nil {
		t.Fatal(err)
	}
	return req
}

// do sends rr without following redirects and reads the whole answer.
func (rr rawReq) do(t *testing.T, srv *server) rawResp {
	t.Helper()
	return doRequest(t, srv, rr.build(t, srv))
}

func doRequest(t *testing.T, srv *server, req *http.Request) rawResp {
	t.Helper()
	hc := srv.httpClient()
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 32<<20))
	if err != nil {
		t.Fatalf("%s %s: read answer: %v", req.Method, req.URL, err)
	}
	out := rawResp{Status: resp.StatusCode, Header: resp.Header, Body: body}
	if bytes.Contains(body, []byte("<Error>")) {
		_ = xml.Unmarshal(body, &out.Err)
	}
	return out
}

// wantS3Error fails unless the answer is the S3 error code with the status.
func wantS3Error(t *testing.T, what string, r rawResp, status int, code string) {
	t.Helper()
	if r.Status != status || r.Err.Code != code {
		t.Errorf("%s: got %s; want %d %s", what, r, status, code)
		return
	}
	if r.Err.Message == "" || r.Err.RequestID == "" {
		t.Errorf("%s: error document lacks Message or RequestId: %s", what, r.Body)
	}
}

var sigRe = regexp.MustCompile(`Signature=([0-9a-f]{64})`)

// signingKey derives the SigV4 key for the date (YYYYMMDD).
func signingKey(secret, date string) []byte {
	k := hmacSHA256([]byte("AWS4"+secret), date)
	k = hmacSHA256(k, region)
	k = hmacSHA256(k, "s3")
	return hmacSHA256(k, "aws4_request")
}

func hmacSHA256(key []byte, msg string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(msg))
	return m.Sum(nil)
}

// chunkedRequest builds a STREAMING-AWS4-HMAC-SHA256-PAYLOAD PUT of payload
// in chunks of chunkSize, signed by hand. tamper may change the encoded body
// (chunk index, header line, data) before it is framed.
type chunkTamper func(i int, sig string, data []byte) (string, []byte)

func chunkedRequest(t *testing.T, srv *server, path string, payload []byte, chunkSize int, tamper chunkTamper) *http.Request {
	t.Helper()
	var chunks [][]byte
	for off := 0; off < len(payload); off += chunkSize {
		chunks = append(chunks, payload[off:min(len(payload), off+chunkSize)])
	}
	chunks = append(chunks, nil) // the final zero-length chunk
	// Content-Length of the encoded body: every chunk's header, data, CRLFs.
	encLen := 0
	for _, c := range chunks {
		encLen += len(fmt.Sprintf("%x;chunk-signature=", len(c))) + 64 + 2 + len(c) + 2
	}
	req, err := http.NewRequest(http.MethodPut, srv.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	const mode = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"
	req.ContentLength = int64(encLen)
	req.Header.Set("Content-Encoding", "aws-chunked")
	req.Header.Set("X-Amz-Decoded-Content-Length", fmt.Sprint(len(payload)))
	req.Header.Set("X-Amz-Content-Sha256", mode)
	now := time.Now().UTC()
	signer := v4.NewSigner(func(o *v4.SignerOptions) { o.DisableURIPathEscaping = true })
	if err := signer.SignHTTP(context.Background(), aws.Credentials{AccessKeyID: rootUser, SecretAccessKey: rootPassword}, req, mode, "s3", region, now); err != nil {
		t.Fatal(err)
	}
	m := sigRe.FindStringSubmatch(req.Header.Get("Authorization"))
	if m == nil {
		t.Fatalf("no signature in %q", req.Header.Get("Authorization"))
	}
	prev := m[1]
	amzDate := now.Format("20060102T150405Z")
	date := now.Format("20060102")
	scope := date + "/" + region + "/s3/aws4_request"
	key := signingKey(rootPassword, date)
	var body bytes.Buffer
	for i, c := range chunks {
		sts := strings.Join([]string{"AWS4-HMAC-SHA256-PAYLOAD", amzDate, scope, prev, emptySHA256, sha256Hex(c)}, "\n")
		sig := hex.EncodeToString(hmacSHA256(key, sts))
		prev = sig
		sendSig, data := sig, c
		if tamper != nil {
			sendSig, data = tamper(i, sig, append([]byte(nil), c...))
		}
		fmt.Fprintf(&body, "%x;chunk-signature=%s\r\n", len(data), sendSig)
		body.Write(data)
		body.WriteString("\r\n")
	}
	if body.Len() != encLen {
		t.Fatalf("encoded body is %d bytes, Content-Length says %d", body.Len(), encLen)
	}
	req.Body = io.NopCloser(bytes.NewReader(body.Bytes()))
	return req
}

// presign returns a SigV4 query-signed URL for method and path, valid for
// expires seconds from when.
func presign(t *testing.T, srv *server, method, path, expires string, when time.Time) string {
	t.Helper()
	req, err := http.NewRequest(method, srv.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	q := req.URL.Query()
	q.Set("X-Amz-Expires", expires)
	req.URL.RawQuery = q.Encode()
	signer := v4.NewSigner(func(o *v4.SignerOptions) { o.DisableURIPathEscaping = true })
	u, _, err := signer.PresignHTTP(context.Background(), aws.Credentials{AccessKeyID: rootUser, SecretAccessKey: rootPassword},
		req, "UNSIGNED-PAYLOAD", "s3", region, when)
	if err != nil {
		t.Fatal(err)
	}
	return u
}
