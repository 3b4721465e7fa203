package authn

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/minio/minio-go/v7"
	miniocreds "github.com/minio/minio-go/v7/pkg/credentials"
)

// seen is what the test server observed for one request.
type seen struct {
	method, path, payloadMode, checksumAlg, checksum string
	body                                             []byte
	principal                                        Principal
	presigned                                        bool
	err                                              error
}

type recorder struct {
	mu   sync.Mutex
	reqs []seen
}

func (rec *recorder) last(t *testing.T) seen {
	t.Helper()
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if len(rec.reqs) == 0 {
		t.Fatal("server saw no request")
	}
	return rec.reqs[len(rec.reqs)-1]
}

// server answers every request after authenticating it and reading the
// whole verified body, like an S3 handler would.
func server(t *testing.T, useTLS bool, rec *recorder) *httptest.Server {
	a := New(testLiveSource(), Options{})
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s := seen{method: r.Method, path: r.URL.EscapedPath(), payloadMode: r.Header.Get("X-Amz-Content-Sha256")}
		res, err := a.Authenticate(r)
		if err == nil {
			s.body, err = io.ReadAll(res.Body)
			s.principal, s.presigned, s.checksumAlg = res.Principal, res.Presigned, res.ChecksumAlgorithm
			s.checksum = res.Checksum()
		}
		s.err = err
		rec.mu.Lock()
		rec.reqs = append(rec.reqs, s)
		rec.mu.Unlock()
		if err != nil {
			w.Header().Set("Content-Type", "application/xml")
			w.WriteHeader(http.StatusForbidden)
			fmt.Fprintf(w, "<Error><Code>AccessDenied</Code><Message>%s</Message></Error>", err)
			return
		}
		sum := md5.Sum(s.body)
		w.Header().Set("ETag", `"`+hex.EncodeToString(sum[:])+`"`)
		if res.ChecksumAlgorithm != "" {
			w.Header().Set("x-amz-checksum-"+strings.ToLower(res.ChecksumAlgorithm), s.checksum)
		}
		if r.Method == http.MethodGet {
			w.Header().Set("Content-Length", "5")
			io.WriteString(w, "hello")
		}
	})
	var srv *httptest.Server
	if useTLS {
		srv = httptest.NewTLSServer(h)
	} else {
		srv = httptest.NewServer(h)
	}
	t.Cleanup(srv.Close)
	return srv
}

func testLiveSource() fakeSource {
	return fakeSource{
		"ROOTKEY": {AccessKey: "ROOTKEY", SecretKey: "rootsecret", Principal: Principal{Kind: Root, Name: "root"}},
		"SESSKEY": {AccessKey: "SESSKEY", SecretKey: "sesssecret", SessionToken: "the-session-token",
			Expiration: time.Now().Add(time.Hour), Principal: Principal{Kind: Session, Name: "alice"}},
	}
}

func sdkClient(srv *httptest.Server, ak, secret, token string) *s3.Client {
	hc := awshttp.NewBuildableClient().WithTransportOptions(func(tr *http.Transport) {
		if srv.TLS != nil {
			tr.TLSClientConfig = srv.Client().Transport.(*http.Transport).TLSClientConfig.Clone()
		}
	})
	return s3.New(s3.Options{
		Region:           "us-east-1",
		Credentials:      credentials.NewStaticCredentialsProvider(ak, secret, token),
		BaseEndpoint:     aws.String(srv.URL),
		UsePathStyle:     true,
		HTTPClient:       hc,
		RetryMaxAttempts: 1,
		// What config.LoadDefaultConfig gives every real client.
		RequestChecksumCalculation: aws.RequestChecksumCalculationWhenSupported,
	})
}

func TestRealClientsPutObject(t *testing.T) {
	t.Parallel()
	data := bytes.Repeat([]byte("fedstore real client payload "), 7000) // ~200 KB
	keys := []string{"plain.txt", "dir/with space/ü+x=y.bin"}
	tests := []struct {
		name       string
		tls        bool
		client     string // "sdk" or "minio"
		token      bool
		wantMode   string // x-amz-content-sha256 the client is known to send ("" = hex hash)
		wantSumAlg string
	}{
		{name: "aws-sdk-go-v2 http", client: "sdk", wantMode: "", wantSumAlg: "CRC32"},
		{name: "aws-sdk-go-v2 https unsigned trailer", tls: true, client: "sdk", token: true, wantMode: "STREAMING-UNSIGNED-PAYLOAD-TRAILER", wantSumAlg: "CRC32"},
		{name: "minio-go http signed chunks", client: "minio", wantMode: "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"},
		{name: "minio-go https", tls: true, client: "minio", token: true, wantMode: "UNSIGNED-PAYLOAD"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rec := &recorder{}
			srv := server(t, tt.tls, rec)
			ak, secret, token, wantKind := "ROOTKEY", "rootsecret", "", Root
			if tt.token {
				ak, secret, token, wantKind = "SESSKEY", "sesssecret", "the-session-token", Session
			}
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			for _, key := range keys {
				var err error
				switch tt.client {
				case "sdk":
					_, err = sdkClient(srv, ak, secret, token).PutObject(ctx, &s3.PutObjectInput{
						Bucket: aws.String("bkt"), Key: aws.String(key), Body: bytes.NewReader(data),
					})
				case "minio":
					u, _ := url.Parse(srv.URL)
					tr := http.DefaultTransport.(*http.Transport).Clone()
					if tt.tls {
						tr.TLSClientConfig = srv.Client().Transport.(*http.Transport).TLSClientConfig.Clone()
					}
					mc, merr := minio.New(u.Host, &minio.Options{
						Creds: miniocreds.NewStaticV4(ak, secret, token), Secure: tt.tls, Region: "us-east-1", Transport: tr,
					})
					if merr != nil {
						t.Fatal(merr)
					}
					_, err = mc.PutObject(ctx, "bkt", key, bytes.NewReader(data), int64(len(data)), minio.PutObjectOptions{})
				}
				got := rec.last(t)
				if err != nil || got.err != nil {
					t.Fatalf("%s: client err %v, server err %v (mode %q)", key, err, got.err, got.payloadMode)
				}
				if !bytes.Equal(got.body, data) {
					t.Fatalf("%s: server read %d bytes, want %d", key, len(got.body), len(data))
				}
				if tt.wantMode != "" && got.payloadMode != tt.wantMode {
					t.Fatalf("%s: client used %q, test expects %q", key, got.payloadMode, tt.wantMode)
				}
				if tt.wantMode == "" && len(got.payloadMode) != 64 {
					t.Fatalf("%s: client used %q, want a hex payload hash", key, got.payloadMode)
				}
				if tt.wantSumAlg != "" && (got.checksumAlg != tt.wantSumAlg || got.checksum == "") {
					t.Fatalf("%s: checksum %q %q, want %s verified", key, got.checksumAlg, got.checksum, tt.wantSumAlg)
				}
				if got.principal.Kind != wantKind || got.principal.AccessKey != ak {
					t.Fatalf("%s: principal %+v", key, got.principal)
				}
			}
		})
	}
}

// The same clients with a wrong secret are refused with SignatureDoesNotMatch.
func TestRealClientsWrongSecret(t *testing.T) {
	t.Parallel()
	for _, useTLS := range []bool{false, true} {
		rec := &recorder{}
		srv := server(t, useTLS, rec)
		_, err := sdkClient(srv, "ROOTKEY", "not-the-secret", "").PutObject(context.Background(), &s3.PutObjectInput{
			Bucket: aws.String("bkt"), Key: aws.String("k"), Body: strings.NewReader("data"),
		})
		if err == nil {
			t.Fatalf("tls=%v: PutObject with a wrong secret succeeded", useTLS)
		}
		if got := rec.last(t); !errors.Is(got.err, ErrSignatureDoesNotMatch) {
			t.Fatalf("tls=%v: server err = %v", useTLS, got.err)
		}
	}
}

// A presigned GET made by the SDK's presign client is accepted.
func TestRealClientPresignedGet(t *testing.T) {
	t.Parallel()
	rec := &recorder{}
	srv := server(t, false, rec)
	ps := s3.NewPresignClient(sdkClient(srv, "SESSKEY", "sesssecret", "the-session-token"))
	req, err := ps.PresignGetObject(context.Background(), &s3.GetObjectInput{Bucket: aws.String("bkt"), Key: aws.String("a b+c.txt")},
		s3.WithPresignExpires(10*time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get(req.URL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	got := rec.last(t)
	if resp.StatusCode != http.StatusOK || got.err != nil || !got.presigned || got.principal.Name != "alice" {
		t.Fatalf("status %d, server err %v, seen %+v", resp.StatusCode, got.err, got)
	}
}
