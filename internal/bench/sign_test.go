package bench

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
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
// lookup, and no extra allocation but the SDK signer's for the token (the
// header's value slice, and a larger canonical request: 3).
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
				s.signed = nil // the SDK signer on every request
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
