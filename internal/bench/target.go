package bench

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// Target builds the request for one iteration of an op.
type Target interface {
	// Name is "fedstore" or "baseline".
	Name() string
	// NewRequest returns the request worker w sends for its i-th iteration.
	NewRequest(ctx context.Context, op Op, w, i int) (*http.Request, error)
}

// payloads holds one precomputed body (and its SHA-256) per object size.
type payloads map[int]payload

type payload struct {
	data []byte
	hash string // hex SHA-256
}

func newPayloads(ops []Op) payloads {
	p := payloads{}
	for _, op := range ops {
		if _, ok := p[op.Size]; ok {
			continue
		}
		b := make([]byte, op.Size)
		for i := range b {
			b[i] = byte(i*7 + i>>8) // deterministic, not all zero
		}
		h := sha256.Sum256(b)
		p[op.Size] = payload{data: b, hash: hex.EncodeToString(h[:])}
	}
	return p
}

// Key-space bounds: GETs read seedObjects objects per op. PUTs write new
// keys, as object-store workloads (and load tools) mostly do: overwriting
// an existing file costs the filesystem more (ext4 frees the old inode in
// the rename). The keys of one PUT op form a ring of putRingBytes worth of
// objects (at least putRingMin keys), so the disk use stays bounded; a run
// longer than the ring overwrites from its start.
const (
	seedObjects  = 8
	putRingBytes = 256 << 20
	putRingMin   = 64
)

// putRing is the number of keys a PUT op of size cycles through.
func putRing(size int) int64 {
	return max(putRingMin, int64(putRingBytes/max(size, 1)))
}

// objectKey names the object of a GET (by worker and request) or of the
// seq-th PUT of op.
func objectKey(op Op, w, i int, seq int64) string {
	if op.Method == http.MethodGet {
		return fmt.Sprintf("%s/%d", op.base(), (w+i)%seedObjects)
	}
	return fmt.Sprintf("%s/%07d", op.Name, seq%putRing(op.Size))
}

// s3Target signs requests for fedstore with SigV4 (signed payload hashes,
// computed once per size).
type s3Target struct {
	endpoint string // no trailing slash
	bucket   string
	region   string
	signer   *signer
	bodies   payloads
	now      func() time.Time
	label    string        // Name(); "fedstore" when empty
	putSeq   *atomic.Int64 // shared by the copies (withCredentials)
	signed   *signCache    // one per credentials
}

// signCache keeps the signed headers of the bodiless requests (GETs) of
// the current second. A SigV4 signature covers the method, path, headers
// and the time to the second, so every GET of one object in one second
// carries the same signature (aws-sdk-go-v2's signer cost the load tool 7
// µs per request with root credentials and 11 µs with a session token, on
// the two cores the server runs on; the tool's own signer, sign.go, about
// 2 µs). The server still verifies every request in full.
type signCache struct {
	mu  sync.Mutex
	sec int64
	m   map[string]http.Header // method + " " + path -> signed headers
}

// get returns the headers signed for key in second sec, or nil.
func (c *signCache) get(key string, sec int64) http.Header {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.sec != sec {
		return nil
	}
	return c.m[key]
}

func (c *signCache) put(key string, sec int64, h http.Header) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.sec != sec || c.m == nil {
		c.sec, c.m = sec, map[string]http.Header{}
	}
	c.m[key] = h
}

func newS3Target(cfg Config, bodies payloads, now func() time.Time) *s3Target {
	return &s3Target{
		endpoint: strings.TrimSuffix(cfg.Endpoint, "/"),
		bucket:   cfg.Bucket,
		region:   cfg.Region,
		signer:   newSigner(aws.Credentials{AccessKeyID: cfg.AccessKey, SecretAccessKey: cfg.SecretKey}, cfg.Region),
		bodies:   bodies,
		now:      now,
		putSeq:   new(atomic.Int64),
		signed:   &signCache{},
	}
}

func (s *s3Target) Name() string {
	if s.label == "" {
		return "fedstore"
	}
	return s.label
}

func (s *s3Target) NewRequest(ctx context.Context, op Op, w, i int) (*http.Request, error) {
	var seq int64
	if op.Method == http.MethodPut {
		seq = s.putSeq.Add(1)
	}
	return s.request(ctx, op.Method, "/"+s.bucket+"/"+objectKey(op, w, i, seq), op.Size)
}

// request signs method on path; for PUT the body is the payload of size.
func (s *s3Target) request(ctx context.Context, method, path string, size int) (*http.Request, error) {
	var body io.Reader
	hash := emptyHash
	if method == http.MethodPut && size > 0 {
		p, ok := s.bodies[size]
		if !ok {
			return nil, fmt.Errorf("no payload of %d bytes", size)
		}
		body, hash = bytes.NewReader(p.data), p.hash
	}
	req, err := http.NewRequestWithContext(ctx, method, s.endpoint+path, body)
	if err != nil {
		return nil, fmt.Errorf("build %s %s: %w", method, path, err)
	}
	now := s.now()
	cacheKey, sec := "", now.Unix()
	if body == nil && s.signed != nil {
		cacheKey = method + " " + path
		if h := s.signed.get(cacheKey, sec); h != nil {
			req.Header = h.Clone()
			return req, nil
		}
	}
	s.signer.sign(req, hash, now)
	if cacheKey != "" {
		s.signed.put(cacheKey, sec, req.Header.Clone())
	}
	return req, nil
}

const emptyHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

// newHTTPClient is the one client both targets use.
func newHTTPClient(concurrency int, caFile string) (*http.Client, error) {
	tr := &http.Transport{
		Proxy:               nil,
		MaxIdleConns:        concurrency * 2,
		MaxIdleConnsPerHost: concurrency * 2,
		IdleConnTimeout:     30 * time.Second,
		DisableCompression:  true,
		ForceAttemptHTTP2:   false,
		TLSHandshakeTimeout: 10 * time.Second,
		WriteBufferSize:     64 << 10,
		ReadBufferSize:      64 << 10,
	}
	if caFile != "" {
		pem, err := os.ReadFile(caFile)
		if err != nil {
			return nil, fmt.Errorf("read CA bundle: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("CA bundle %s: no PEM certificates", caFile)
		}
		tr.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	}
	return &http.Client{Transport: tr, Timeout: 60 * time.Second}, nil
}

// prepare creates the bucket (an existing one is fine) and the objects the
// GET ops read.
func (s *s3Target) prepare(ctx context.Context, hc *http.Client, ops []Op) error {
	req, err := s.request(ctx, http.MethodPut, "/"+s.bucket, 0)
	if err != nil {
		return err
	}
	if status, body, err := send(hc, req); err != nil {
		return fmt.Errorf("create bucket %s: %w", s.bucket, err)
	} else if status != http.StatusOK && !strings.Contains(body, "BucketAlreadyOwnedByYou") {
		return fmt.Errorf("create bucket %s: status %d: %s", s.bucket, status, body)
	}
	seeded := map[string]bool{}
	for _, op := range ops {
		if op.Method != http.MethodGet || seeded[op.base()] {
			continue
		}
		seeded[op.base()] = true
		for n := range seedObjects {
			req, err := s.request(ctx, http.MethodPut, "/"+s.bucket+"/"+objectKey(op, n, 0, 0), op.Size)
			if err != nil {
				return err
			}
			if status, body, err := send(hc, req); err != nil || status != http.StatusOK {
				return fmt.Errorf("seed %s: status %d, %v: %s", req.URL.Path, status, err, body)
			}
		}
	}
	return nil
}

// send performs one setup request and returns status and a short body.
func send(hc *http.Client, req *http.Request) (int, string, error) {
	resp, err := hc.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 4096))
	return resp.StatusCode, string(b), err
}
