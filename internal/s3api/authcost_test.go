package s3api_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fedstore/fedstore/internal/devidp"
	"github.com/fedstore/fedstore/internal/observe"
	"github.com/fedstore/fedstore/internal/rootcred"
	"github.com/fedstore/fedstore/internal/server"
	"github.com/fedstore/fedstore/internal/sigv4"
)

// authEnv is a whole --dev server (middleware, access log, metrics, the S3
// API with authn and authz, the STS service, a posix backend on bolt) with
// one 4 KiB object, root credentials, and temporary credentials from a real
// AssumeRoleWithWebIdentity exchange of a dev IdP token (role s3admin).
// Requests are served in-process by calling ServeHTTP.
type authEnv struct {
	srv                   *server.Server
	rootAK, rootSK        string
	tempAK, tempSK, token string
}

const (
	authRootUser   = "benchroot"
	authRootSecret = "benchroot-secret-0123456789"
	authBucket     = "bench"
	authKey        = "get4k/0"
)

func newAuthEnv(tb testing.TB) *authEnv {
	tb.Helper()
	dir := tb.TempDir()
	// The production logger (JSON, info): the access log is formatted, then
	// discarded.
	log, err := observe.NewLogger(io.Discard, "json", "info")
	if err != nil {
		tb.Fatal(err)
	}
	s, err := server.New(server.Config{DataDir: dir, Address: "127.0.0.1:0", Dev: true,
		RootUser: authRootUser, RootPassword: authRootSecret, Logger: log})
	if err != nil {
		tb.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	tb.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			tb.Errorf("Run: %v", err)
		}
	})
	e := &authEnv{srv: s, rootAK: authRootUser, rootSK: authRootSecret}

	body := bytes.Repeat([]byte("fedstore"), 512) // 4 KiB
	for _, r := range []*http.Request{
		e.signed(tb, http.MethodPut, "/"+authBucket, nil, false),
		e.signed(tb, http.MethodPut, "/"+authBucket+"/"+authKey, body, false),
	} {
		if code, b := e.serve(r); code != http.StatusOK {
			tb.Fatalf("%s %s: %d %s", r.Method, r.URL.Path, code, b)
		}
	}
	e.tempAK, e.tempSK, e.token = exchangeDevToken(tb, s, dir)
	return e
}

// exchangeDevToken mints a dev IdP token (as `fedstore dev token --roles
// s3admin` does) and exchanges it at the server's STS, retrying while the
// server finishes its --dev setup.
func exchangeDevToken(tb testing.TB, s *server.Server, dataDir string) (ak, sk, token string) {
	tb.Helper()
	deadline := time.Now().Add(20 * time.Second)
	var last string
	for time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
		info, err := devidp.ReadInfo(filepath.Join(dataDir, rootcred.Dir, devidp.InfoFileName))
		if err != nil {
			last = err.Error()
			continue
		}
		key, err := devidp.LoadKey(filepath.Join(dataDir, rootcred.Dir, devidp.KeyFileName))
		if err != nil {
			tb.Fatal(err)
		}
		idp, err := devidp.New(info.Issuer, key, time.Now)
		if err != nil {
			tb.Fatal(err)
		}
		jwt, err := idp.Mint(devidp.TokenRequest{Audience: info.Audience, Roles: []string{server.DevPolicyName}})
		if err != nil {
			tb.Fatal(err)
		}
		form := url.Values{"Action": {"AssumeRoleWithWebIdentity"}, "Version": {"2011-06-15"},
			"RoleArn": {"arn:aws:iam::000000000000:role/" + server.DevPolicyName}, "RoleSessionName": {"bench"},
			"WebIdentityToken": {jwt}}
		resp, err := http.Post(s.URL()+"/", "application/x-www-form-urlencoded", strings.NewReader(form.Encode()))
		if err != nil {
			tb.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			last = string(b)
			continue
		}
		var out struct {
			AK    string `xml:"AssumeRoleWithWebIdentityResult>Credentials>AccessKeyId"`
			SK    string `xml:"AssumeRoleWithWebIdentityResult>Credentials>SecretAccessKey"`
			Token string `xml:"AssumeRoleWithWebIdentityResult>Credentials>SessionToken"`
		}
		if err := xml.Unmarshal(b, &out); err != nil || out.Token == "" {
			tb.Fatalf("STS answer %s: %v", b, err)
		}
		return out.AK, out.SK, out.Token
	}
	tb.Fatalf("no STS exchange within 20s: %s", last)
	return "", "", ""
}

// signed is a server-side request (as net/http hands it to a handler),
// signed with the root or the temporary credentials.
func (e *authEnv) signed(tb testing.TB, method, path string, body []byte, temp bool) *http.Request {
	tb.Helper()
	r, err := http.NewRequest(method, e.srv.URL()+path, bytes.NewReader(body))
	if err != nil {
		tb.Fatal(err)
	}
	ak, sk := e.rootAK, e.rootSK
	if temp {
		ak, sk = e.tempAK, e.tempSK
		r.Header.Set("X-Amz-Security-Token", e.token)
	}
	r.Header.Set("User-Agent", "fedstore-bench")
	if err := sigv4.SignRequest(r, ak, sk, "us-east-1", "s3", sigv4.PayloadHash(body), time.Now()); err != nil {
		tb.Fatal(err)
	}
	r.RequestURI = r.URL.RequestURI()
	r.RemoteAddr = "127.0.0.1:40000"
	if body == nil {
		r.Body = http.NoBody
	}
	return r
}

func (e *authEnv) serve(r *http.Request) (int, string) {
	w := &discardWriter{h: http.Header{}}
	e.srv.ServeHTTP(w, r)
	return w.code, w.body.String()
}

// discardWriter is a ResponseWriter that keeps the status and, until a
// benchmark starts, the body.
type discardWriter struct {
	h       http.Header
	code    int
	discard bool
	body    bytes.Buffer
}

func (w *discardWriter) Header() http.Header { return w.h }

func (w *discardWriter) WriteHeader(code int) {
	if w.code == 0 {
		w.code = code
	}
}

func (w *discardWriter) Write(p []byte) (int, error) {
	if w.code == 0 {
		w.code = http.StatusOK
	}
	if !w.discard {
		w.body.Write(p)
	}
	return len(p), nil
}

// ReadFrom lets the object body be copied as net/http's sendfile path would
// be handed it (without a per-request copy buffer).
func (w *discardWriter) ReadFrom(src io.Reader) (int64, error) {
	if w.code == 0 {
		w.code = http.StatusOK
	}
	if w.discard {
		return io.Copy(io.Discard, src)
	}
	return w.body.ReadFrom(src)
}

func (w *discardWriter) reset() {
	clear(w.h)
	w.code = 0
}

// readAndServe reads one request from br and serves it: one iteration of
// the benchmark, a function of its own so that instruction counts can be
// limited to it, which on a shared machine compare better than times:
//
//	go test -c -o s3api.test ./internal/s3api
//	GODEBUG=asyncpreemptoff=1 GOGC=off GOMAXPROCS=1 valgrind --tool=callgrind \
//	  --toggle-collect='*readAndServe' ./s3api.test -test.run XXX \
//	  -test.bench AuthenticatedGet4KiB/temp -test.benchtime 2000x
//
//go:noinline
func (e *authEnv) readAndServe(br *bufio.Reader, w *discardWriter) error {
	r, err := http.ReadRequest(br)
	if err != nil {
		return err
	}
	r.RemoteAddr = "127.0.0.1:40000"
	w.reset()
	e.srv.ServeHTTP(w, r)
	if w.code != http.StatusOK {
		return fmt.Errorf("status %d", w.code)
	}
	return nil
}

// TestAuthenticatedGet: the benchmark's two requests are served (root and
// temporary credentials read the same object), and a request with the
// session token changed in one bit is refused.
func TestAuthenticatedGet(t *testing.T) {
	t.Parallel()
	e := newAuthEnv(t)
	t.Logf("dev session token: %d bytes", len(e.token))
	if len(e.token) != 50 {
		// The embedded store's default, --sts-token-format auto, is the
		// 50-byte reference token: the benchmark measures what users get.
		t.Errorf("dev session token of %d bytes, want a 50-byte reference token", len(e.token))
	}
	for _, temp := range []bool{false, true} {
		r := e.signed(t, http.MethodGet, "/"+authBucket+"/"+authKey, nil, temp)
		if code, b := e.serve(r); code != http.StatusOK || len(b) != 4096 {
			t.Fatalf("temp=%v: status %d, %d bytes: %.300s", temp, code, len(b), b)
		}
	}
	r := e.signed(t, http.MethodGet, "/"+authBucket+"/"+authKey, nil, true)
	tok := []byte(e.token)
	tok[len(tok)/2] ^= 1
	r.Header.Set("X-Amz-Security-Token", string(tok))
	if code, b := e.serve(r); code != http.StatusBadRequest || !strings.Contains(b, "<Code>InvalidToken</Code>") {
		t.Fatalf("tampered token: status %d: %.300s", code, b)
	}
}

// BenchmarkAuthenticatedGet4KiB measures the server's cost of one GET of a
// 4 KiB object, signed with the root credentials and with temporary
// credentials (X-Amz-Security-Token): reading the request off the wire as
// net/http does (http.ReadRequest), then the whole handler chain. The
// difference is what temporary credentials cost the server. The same
// signed request is read and served again and again (its date stays within
// the 15 minutes of allowed skew).
//
//	go test -run XXX -bench AuthenticatedGet4KiB -benchmem -count 6 ./internal/s3api
func BenchmarkAuthenticatedGet4KiB(b *testing.B) {
	e := newAuthEnv(b)
	for _, c := range []struct {
		name string
		temp bool
	}{{"root", false}, {"temp", true}} {
		b.Run(c.name, func(b *testing.B) {
			var wire bytes.Buffer
			if err := e.signed(b, http.MethodGet, "/"+authBucket+"/"+authKey, nil, c.temp).Write(&wire); err != nil {
				b.Fatal(err)
			}
			src := bytes.NewReader(wire.Bytes())
			br := bufio.NewReader(src) // net/http reuses its readers too
			w := &discardWriter{h: http.Header{}, discard: true}
			b.ReportAllocs()
			for b.Loop() {
				src.Reset(wire.Bytes())
				br.Reset(src)
				if err := e.readAndServe(br, w); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkAuthenticatedPut4KiB measures the server's cost of one PUT of a
// new 4 KiB object signed with the root credentials, read off the wire as
// net/http does and served by the whole handler chain, down to the object
// journal's commit (so its time includes the disk's; -benchmem and
// -cpuprofile are what it is for). The requests are signed before the
// timer starts.
//
//	go test -run XXX -bench AuthenticatedPut4KiB -benchmem -benchtime 3000x ./internal/s3api
func BenchmarkAuthenticatedPut4KiB(b *testing.B) {
	e := newAuthEnv(b)
	body := bytes.Repeat([]byte("fedstore"), 512)
	next := 0 // keys stay new across the runs of the sub-benchmark
	b.Run("root", func(b *testing.B) {
		wires := make([][]byte, b.N)
		for i := range wires {
			var wire bytes.Buffer
			r := e.signed(b, http.MethodPut, fmt.Sprintf("/%s/put4k/%07d", authBucket, next), body, false)
			next++
			if err := r.Write(&wire); err != nil {
				b.Fatal(err)
			}
			wires[i] = wire.Bytes()
		}
		src := bytes.NewReader(nil)
		br := bufio.NewReader(src)
		w := &discardWriter{h: http.Header{}, discard: true}
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			src.Reset(wires[i])
			br.Reset(src)
			if err := e.readAndServe(br, w); err != nil {
				b.Fatal(err)
			}
		}
	})
}
