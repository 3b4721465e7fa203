package bench

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// signTargets are the two targets of get4k-temp: temporary credentials
// with a session token of tokenLen bytes, and the root credentials.
func signTargets(tokenLen int) (temp, root *s3Target) {
	cfg := Config{Endpoint: "http://127.0.0.1:9000", Bucket: "bench", AccessKey: "AK", SecretKey: "SK", Region: "us-east-1"}
	now := func() time.Time { return time.Date(2026, 11, 29, 8, 0, 0, 0, time.UTC) }
	s3t := newS3Target(cfg, newPayloads([]Op{{Name: "get4k", Method: http.MethodGet, Size: 4 << 10}}), now)
	temp = s3t.withCredentials(aws.Credentials{AccessKeyID: "ASIAQ4FJ6ZK2V7TNLW3M",
		SecretAccessKey: "Yk3s9Qw8Zr2Vt6Xp1Lm4Nb7Hc5Jd0Fg3Ke8Ra2Ts", SessionToken: strings.Repeat("t", tokenLen)})
	r := *s3t
	r.label = "root"
	return temp, &r
}

// The temporary-credential request differs from the root one by the
// session token alone: same URL and headers otherwise, no credential
// lookup, and no extra allocation but the signer's for the token (the
// header's value slice: at most 3).
func TestTempSigningCostsOnlyTheToken(t *testing.T) {
	temp, root := signTargets(600)
	op := Op{Name: "get4k-temp", Method: http.MethodGet, Size: 4 << 10, Temp: true}
	ctx := context.Background()
	rt, err := temp.NewRequest(ctx, op, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	rr, err := root.NewRequest(ctx, op, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	if rt.URL.String() != rr.URL.String() || rt.Header.Get("X-Amz-Security-Token") != strings.Repeat("t", 600) {
		t.Fatalf("temp %s token %d bytes, root %s", rt.URL, len(rt.Header.Get("X-Amz-Security-Token")), rr.URL)
	}
	rt.Header.Del("X-Amz-Security-Token")
	for k := range rr.Header {
		if _, ok := rt.Header[k]; !ok {
			t.Errorf("temp request lacks %s", k)
		}
	}
	if len(rt.Header) != len(rr.Header) {
		t.Errorf("temp request headers %v, root %v", rt.Header, rr.Header)
	}
	allocs := func(s *s3Target) float64 {
		return testing.AllocsPerRun(200, func() {
			if _, err := s.NewRequest(ctx, op, 0, 0); err != nil {
				t.Fatal(err)
			}
		})
	}
	if a, b := allocs(temp), allocs(root); a > b+3 {
		t.Errorf("signing allocates %v times with temporary credentials, %v with root", a, b)
	}
}

// BenchmarkSignGet4KiB is the load tool's cost of one get4k request with
// root and with temporary credentials (a 600- and a 300-byte token).
func BenchmarkSignGet4KiB(b *testing.B) {
	op := Op{Name: "get4k-temp", Method: http.MethodGet, Size: 4 << 10, Temp: true}
	for _, tc := range []struct {
		name     string
		tokenLen int
		uncached bool
	}{{"root", 0, false}, {"temp-600", 600, false}, {"temp-300", 300, false}, {"root-uncached", 0, true}, {"temp-300-uncached", 300, true}} {
		b.Run(tc.name, func(b *testing.B) {
			temp, root := signTargets(tc.tokenLen)
			s := temp
			if tc.tokenLen == 0 {
				s = root
			}
			if tc.uncached {
				s.signed = nil // the signer on every request
			}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := s.NewRequest(context.Background(), op, 0, 0); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestSignCache: GETs of one object in one second share a signature (the
// headers are copies); the next second signs again; each credential has
// its own cache; requests with a body are never cached.
func TestSignCache(t *testing.T) {
	temp, root := signTargets(300)
	clock := time.Date(2026, 11, 29, 8, 0, 0, 0, time.UTC)
	temp.now = func() time.Time { return clock }
	root.now = temp.now
	ctx := context.Background()
	get := func(s *s3Target, path string) *http.Request {
		t.Helper()
		r, err := s.request(ctx, http.MethodGet, path, 0)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	a := get(root, "/bench/get4k/1")
	a.Header.Set("X-Mutated", "1") // must not reach the cache
	b := get(root, "/bench/get4k/1")
	if b.Header.Get("Authorization") != a.Header.Get("Authorization") || b.Header.Get("X-Mutated") != "" {
		t.Fatalf("same second: %v vs %v", a.Header, b.Header)
	}
	if c := get(root, "/bench/get4k/2"); c.Header.Get("Authorization") == a.Header.Get("Authorization") {
		t.Fatal("another path reused the signature")
	}
	if tr := get(temp, "/bench/get4k/1"); tr.Header.Get("Authorization") == a.Header.Get("Authorization") || tr.Header.Get("X-Amz-Security-Token") == "" {
		t.Fatalf("temporary credentials reused root's signature: %v", tr.Header)
	}
	clock = clock.Add(time.Second)
	d := get(root, "/bench/get4k/1")
	if d.Header.Get("Authorization") == a.Header.Get("Authorization") || d.Header.Get("X-Amz-Date") != "20261129T080001Z" {
		t.Fatalf("next second: %v", d.Header)
	}
	put, err := root.request(ctx, http.MethodPut, "/bench/get4k/1", 4<<10)
	if err != nil || put.Body == nil {
		t.Fatalf("PUT: %v", err)
	}
	root.signed.mu.Lock()
	defer root.signed.mu.Unlock()
	if _, ok := root.signed.m["PUT /bench/get4k/1"]; ok || len(root.signed.m) != 1 {
		t.Fatalf("cache holds %v; want this second's one GET only", root.signed.m)
	}
}

// TestSignerMatchesSDK: the tool's signer gives every request it sends
// the headers aws-sdk-go-v2's signer gives it (GET and PUT of the tool's
// sizes, root and temporary credentials, across a day boundary, which
// derives a new signing key).
func TestSignerMatchesSDK(t *testing.T) {
	sdk := v4.NewSigner(func(o *v4.SignerOptions) { o.DisableURIPathEscaping = true })
	creds := []aws.Credentials{
		{AccessKeyID: "AKIAFEDSTOREROOT0001", SecretAccessKey: "root/secret+key=="},
		{AccessKeyID: "ASIAQ4FJ6ZK2V7TNLW3M", SecretAccessKey: "Yk3s9Qw8Zr2Vt6Xp1Lm4Nb7Hc5Jd0Fg3Ke8Ra2Ts", SessionToken: "v4.AAAA" + strings.Repeat("x", 43)},
	}
	bodies := newPayloads([]Op{{Name: "put4k", Method: http.MethodPut, Size: 4 << 10}, {Name: "put1m", Method: http.MethodPut, Size: 1 << 20}})
	times := []time.Time{
		time.Date(2026, 11, 29, 23, 59, 59, 0, time.UTC),
		time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC),
		time.Date(2026, 11, 30, 1, 2, 3, 0, time.FixedZone("CET", 3600)),
	}
	for _, c := range creds {
		mine := newSigner(c, "eu-west-3")
		for _, now := range times {
			for _, tc := range []struct {
				method, path string
				size         int
			}{{http.MethodGet, "/bench/get4k/3", 0}, {http.MethodPut, "/bench/put4k/0000042", 4 << 10}, {http.MethodPut, "/bench/put1m/0000001", 1 << 20}} {
				build := func() *http.Request {
					var body io.Reader
					hash := emptyHash
					if tc.size > 0 {
						body, hash = bytes.NewReader(bodies[tc.size].data), bodies[tc.size].hash
					}
					r, err := http.NewRequest(tc.method, "http://127.0.0.1:39001"+tc.path, body)
					if err != nil {
						t.Fatal(err)
					}
					r.Header.Set("X-Amz-Content-Sha256", hash)
					return r
				}
				want := build()
				if err := sdk.SignHTTP(context.Background(), c, want, want.Header.Get("X-Amz-Content-Sha256"), "s3", "eu-west-3", now); err != nil {
					t.Fatal(err)
				}
				got := build()
				mine.sign(got, got.Header.Get("X-Amz-Content-Sha256"), now)
				if !reflect.DeepEqual(got.Header, want.Header) {
					t.Errorf("%s %s at %v, token %v:\n got %v\nwant %v", tc.method, tc.path, now, c.SessionToken != "", got.Header, want.Header)
				}
			}
		}
	}
}

// BenchmarkSignPut4KiB is the load tool's cost of building and signing
// one put4k request.
func BenchmarkSignPut4KiB(b *testing.B) {
	_, root := signTargets(0)
	root.bodies = newPayloads([]Op{{Name: "put4k", Method: http.MethodPut, Size: 4 << 10}})
	op := Op{Name: "put4k", Method: http.MethodPut, Size: 4 << 10}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := root.NewRequest(context.Background(), op, 0, 0); err != nil {
			b.Fatal(err)
		}
	}
}
