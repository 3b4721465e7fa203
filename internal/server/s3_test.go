package server

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"

	"github.com/fedstore/fedstore/internal/rootcred"
)

// s3Client returns an aws-sdk-go-v2 S3 client for endpoint, path style,
// trusting pool when it is not nil.
func s3Client(endpoint, ak, sk string, pool *x509.CertPool) *s3.Client {
	hc := awshttp.NewBuildableClient().WithTimeout(30 * time.Second)
	if pool != nil {
		hc = hc.WithTransportOptions(func(tr *http.Transport) {
			tr.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
		})
	}
	return s3.New(s3.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(endpoint),
		UsePathStyle: true,
		Credentials:  credentials.NewStaticCredentialsProvider(ak, sk, ""),
		HTTPClient:   hc,
		Retryer:      aws.NopRetryer{},
	})
}

// apiCode returns the S3 error code of err, or "" for success.
func apiCode(err error) string {
	if err == nil {
		return ""
	}
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return "not an API error: " + err.Error()
}

func listBucketsCode(t *testing.T, endpoint, ak, sk string, pool *x509.CertPool) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_, err := s3Client(endpoint, ak, sk, pool).ListBuckets(ctx, &s3.ListBucketsInput{})
	return apiCode(err)
}

func TestSignedListBuckets(t *testing.T) {
	t.Parallel()
	r := start(t, Config{RootUser: testRootUser, RootPassword: testRootSecret})
	tests := []struct {
		name     string
		ak, sk   string
		wantCode string
	}{
		{name: "root", ak: testRootUser, sk: testRootSecret, wantCode: ""},
		{name: "wrong secret", ak: testRootUser, sk: testRootSecret + "x", wantCode: "SignatureDoesNotMatch"},
		{name: "unknown key", ak: "someoneelse", sk: testRootSecret, wantCode: "InvalidAccessKeyId"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := listBucketsCode(t, r.url(), tt.ak, tt.sk, nil); got != tt.wantCode {
				t.Errorf("ListBuckets: error code %q, want %q", got, tt.wantCode)
			}
		})
	}
}

func TestS3RoundTripAndMetrics(t *testing.T) {
	t.Parallel()
	r := start(t, Config{RootUser: testRootUser, RootPassword: testRootSecret})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c := s3Client(r.url(), testRootUser, testRootSecret, nil)
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("health")}); err != nil {
		t.Fatalf("CreateBucket health: %v", err)
	}
	if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("health"), Key: aws.String("live"), Body: bytes.NewReader([]byte("object body"))}); err != nil {
		t.Fatalf("PutObject: %v", err)
	}
	// A signed GET /health/live is S3's GetObject, not the health check.
	out, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("health"), Key: aws.String("live")})
	if err != nil {
		t.Fatalf("GetObject: %v", err)
	}
	b, _ := io.ReadAll(out.Body)
	_ = out.Body.Close()
	if string(b) != "object body" {
		t.Errorf("signed GET /health/live = %q, want the object", b)
	}
	lb, err := c.ListBuckets(ctx, &s3.ListBucketsInput{})
	if err != nil || len(lb.Buckets) != 1 || aws.ToString(lb.Buckets[0].Name) != "health" {
		t.Fatalf("ListBuckets = %+v, %v", lb, err)
	}

	_, body := get(t, &http.Client{Timeout: 10 * time.Second}, r.url()+PathMetrics)
	for _, want := range []string{
		`fedstore_http_requests_total{api="s3",op="ListBuckets",status="200"} 1`,
		`fedstore_http_requests_total{api="s3",op="PutObject",status="200"} 1`,
		`fedstore_http_requests_total{api="s3",op="GetObject",status="200"} 1`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %q", want)
		}
	}
	// Every S3 request has an access line with its principal and request id.
	var n int
	for _, l := range r.logs.logLines(t) {
		if l["msg"] == "request" && l["api"] == "s3" {
			n++
			if l["principal"] != testRootUser || !requestIDPattern.MatchString(l["request_id"].(string)) {
				t.Errorf("access line %v", l)
			}
		}
	}
	if n != 4 {
		t.Errorf("%d S3 access lines, want 4", n)
	}
	if strings.Contains(r.logs.String(), testRootSecret) || strings.Contains(r.logs.String(), "Signature=") {
		t.Error("log holds the secret or a signature")
	}
}

func TestSignedListBucketsOverTLS(t *testing.T) {
	t.Parallel()
	certFile, keyFile, pool := writeSelfSignedCert(t)
	r := start(t, Config{RootUser: testRootUser, RootPassword: testRootSecret, TLSCertFile: certFile, TLSKeyFile: keyFile})
	endpoint := "https://" + r.s.Addr().String()
	if got := listBucketsCode(t, endpoint, testRootUser, testRootSecret, pool); got != "" {
		t.Errorf("ListBuckets over TLS: %q", got)
	}
	if got := listBucketsCode(t, endpoint, testRootUser, "wrong-secret-123", pool); got != "SignatureDoesNotMatch" {
		t.Errorf("wrong secret over TLS: %q, want SignatureDoesNotMatch", got)
	}
}

func TestStoredAndEnvRootCredentials(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	r1 := start(t, Config{DataDir: dir})
	stored, err := rootcred.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if got := listBucketsCode(t, r1.url(), stored.AccessKey, stored.SecretKey, nil); got != "" {
		t.Errorf("generated credentials refused: %q", got)
	}
	if err := r1.stop(t); err != nil {
		t.Fatal(err)
	}

	r2 := start(t, Config{DataDir: dir})
	if got := listBucketsCode(t, r2.url(), stored.AccessKey, stored.SecretKey, nil); got != "" {
		t.Errorf("stored credentials refused after restart: %q", got)
	}
	if err := r2.stop(t); err != nil {
		t.Fatal(err)
	}

	// The environment wins over the stored file.
	r3 := start(t, Config{DataDir: dir, RootUser: "envroot", RootPassword: "env-secret-123"})
	if got := listBucketsCode(t, r3.url(), "envroot", "env-secret-123", nil); got != "" {
		t.Errorf("env credentials refused: %q", got)
	}
	if got := listBucketsCode(t, r3.url(), stored.AccessKey, stored.SecretKey, nil); got != "InvalidAccessKeyId" {
		t.Errorf("stored credentials with env set: %q, want InvalidAccessKeyId", got)
	}
}

// TestGracefulShutdownFinishesSlowPut uploads an object whose body trickles
// in while the server shuts down: the PUT completes and the object is stored.
func TestGracefulShutdownFinishesSlowPut(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	r := start(t, Config{DataDir: dir, RootUser: testRootUser, RootPassword: testRootSecret})
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	c := s3Client(r.url(), testRootUser, testRootSecret, nil)
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("slow")}); err != nil {
		t.Fatal(err)
	}

	first, second := strings.Repeat("a", 64<<10), strings.Repeat("b", 64<<10)
	pr, pw := io.Pipe()
	req, err := http.NewRequestWithContext(ctx, http.MethodPut, r.url()+"/slow/object", pr)
	if err != nil {
		t.Fatal(err)
	}
	req.ContentLength = int64(len(first) + len(second))
	req.Header.Set("X-Amz-Content-Sha256", "UNSIGNED-PAYLOAD")
	signer := v4.NewSigner()
	creds := aws.Credentials{AccessKeyID: testRootUser, SecretAccessKey: testRootSecret}
	if err := signer.SignHTTP(ctx, creds, req, "UNSIGNED-PAYLOAD", "s3", "us-east-1", time.Now()); err != nil {
		t.Fatal(err)
	}
	type result struct {
		code int
		body string
		err  error
	}
	done := make(chan result, 1)
	go func() {
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			done <- result{err: err}
			return
		}
		defer res.Body.Close()
		b, err := io.ReadAll(res.Body)
		done <- result{res.StatusCode, string(b), err}
	}()
	if _, err := io.WriteString(pw, first); err != nil {
		t.Fatal(err)
	}
	// Wait until the server is handling the PUT (the scrape is the other one).
	for deadline := time.Now().Add(10 * time.Second); ; {
		if _, m := get(t, &http.Client{Timeout: 5 * time.Second}, r.url()+PathMetrics); strings.Contains(m, "fedstore_http_requests_in_flight 2") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the PUT never reached the handler")
		}
		time.Sleep(10 * time.Millisecond)
	}
	r.cancel() // shutdown begins with the PUT half sent
	for deadline := time.Now().Add(10 * time.Second); ; {
		resp, err := (&http.Client{Timeout: time.Second}).Get(r.url() + PathLive)
		if err != nil {
			break // no longer accepting
		}
		_ = resp.Body.Close()
		if time.Now().After(deadline) {
			t.Fatal("server still accepts new requests after shutdown began")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if _, err := io.WriteString(pw, second); err != nil {
		res := <-done
		t.Fatalf("write the rest: %v; PUT: %d %s %v", err, res.code, res.body, res.err)
	}
	_ = pw.Close()
	if res := <-done; res.err != nil || res.code != http.StatusOK {
		t.Fatalf("slow PUT during shutdown: %d %s %v\n%s", res.code, res.body, res.err, r.logs.String())
	}
	if err := r.stop(t); err != nil {
		t.Fatal(err)
	}

	r2 := start(t, Config{DataDir: dir, RootUser: testRootUser, RootPassword: testRootSecret})
	out, err := s3Client(r2.url(), testRootUser, testRootSecret, nil).GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("slow"), Key: aws.String("object")})
	if err != nil {
		t.Fatalf("GetObject after restart: %v", err)
	}
	b, _ := io.ReadAll(out.Body)
	_ = out.Body.Close()
	if string(b) != first+second {
		t.Errorf("stored object has %d bytes, want %d", len(b), len(first)+len(second))
	}
}
