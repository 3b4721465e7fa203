package server

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/fedstore/fedstore/internal/observe"
	"github.com/fedstore/fedstore/internal/rootcred"
	"github.com/fedstore/fedstore/internal/state/bolt"
)

const (
	testRootUser   = "testroot"
	testRootSecret = "testroot-secret-1234"
)

// running is a Server serving in the background.
type running struct {
	s      *Server
	logs   *syncBuffer
	stdout *syncBuffer
	cancel context.CancelFunc
	done   chan error
}

// start creates a Server on 127.0.0.1:0 (a fresh data dir and the test root
// credentials unless cfg sets them) and runs it until the test ends.
func start(t *testing.T, cfg Config) *running {
	t.Helper()
	return startWith(t, cfg, nil)
}

// startWith is start with a hook that may replace mounted handlers between
// New and Run.
func startWith(t *testing.T, cfg Config, before func(*Server)) *running {
	t.Helper()
	r, err := tryStart(t, cfg, before)
	if err != nil {
		t.Fatalf("server.New: %v", err)
	}
	return r
}

func tryStart(t *testing.T, cfg Config, before func(*Server)) (*running, error) {
	t.Helper()
	if cfg.DataDir == "" {
		cfg.DataDir = t.TempDir()
	}
	if cfg.Address == "" {
		cfg.Address = "127.0.0.1:0"
	}
	logs, stdout := &syncBuffer{}, &syncBuffer{}
	log, err := observe.NewLogger(logs, "json", "debug")
	if err != nil {
		t.Fatal(err)
	}
	cfg.Logger, cfg.Stdout = log, stdout
	s, err := New(cfg)
	if err != nil {
		return nil, err
	}
	if before != nil {
		before(s)
	}
	ctx, cancel := context.WithCancel(context.Background())
	r := &running{s: s, logs: logs, stdout: stdout, cancel: cancel, done: make(chan error, 1)}
	go func() { r.done <- s.Run(ctx) }()
	t.Cleanup(func() { _ = r.stop(t) })
	for deadline := time.Now().Add(20 * time.Second); !strings.Contains(stdout.String(), "fedstore listening on"); {
		if time.Now().After(deadline) {
			t.Fatal("the server never announced that it listens")
		}
		time.Sleep(5 * time.Millisecond)
	}
	return r, nil
}

// stop cancels Run and returns its result.
func (r *running) stop(t *testing.T) error {
	t.Helper()
	r.cancel()
	select {
	case err := <-r.done:
		r.done <- err // later stops see the same result
		return err
	case <-time.After(60 * time.Second):
		t.Fatal("Run did not return after its context was cancelled")
		return nil
	}
}

func (r *running) url() string { return "http://" + r.s.Addr().String() }

func get(t *testing.T, c *http.Client, url string) (int, string) {
	t.Helper()
	res, err := c.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("GET %s: read: %v", url, err)
	}
	return res.StatusCode, string(b)
}

func TestServeHealthAndMetrics(t *testing.T) {
	t.Parallel()
	r := start(t, Config{RootUser: testRootUser, RootPassword: testRootSecret})
	c := &http.Client{Timeout: 10 * time.Second}
	if code, body := get(t, c, r.url()+PathLive); code != 200 || body != "ok\n" {
		t.Errorf("live: %d %q", code, body)
	}
	if code, body := get(t, c, r.url()+PathReady); code != 200 || body != "ok\n" {
		t.Errorf("ready: %d %q", code, body)
	}
	code, body := get(t, c, r.url()+PathMetrics)
	if code != 200 {
		t.Fatalf("metrics: %d", code)
	}
	for _, want := range []string{
		`fedstore_http_requests_total{api="health",op="Live",status="200"} 1`,
		`fedstore_http_requests_total{api="health",op="Ready",status="200"} 1`,
		`fedstore_http_request_duration_seconds_bucket{api="health",op="Live",le="+Inf"} 1`,
		`fedstore_http_requests_in_flight 1`,
		`process_open_fds`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %q", want)
		}
	}
	if want := "fedstore listening on " + r.url() + "\n"; !strings.Contains(r.stdout.String(), want) {
		t.Errorf("stdout %q lacks %q", r.stdout.String(), want)
	}
	if err := r.stop(t); err != nil {
		t.Errorf("Run: %v", err)
	}
}

func TestGracefulShutdownFinishesInFlightRequest(t *testing.T) {
	t.Parallel()
	entered, release := make(chan struct{}), make(chan struct{})
	r := startWith(t, Config{RootUser: testRootUser, RootPassword: testRootSecret}, func(s *Server) {
		s.s3 = http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			close(entered)
			<-release
			_, _ = io.WriteString(w, "slow body done")
		})
	})
	type result struct {
		code int
		body string
		err  error
	}
	got := make(chan result, 1)
	go func() {
		res, err := http.Get(r.url() + "/bkt/slow")
		if err != nil {
			got <- result{err: err}
			return
		}
		defer res.Body.Close()
		b, err := io.ReadAll(res.Body)
		got <- result{res.StatusCode, string(b), err}
	}()
	<-entered
	r.cancel()

	// New connections are refused while the slow request is still running.
	deadline := time.Now().Add(10 * time.Second)
	for {
		conn, err := net.DialTimeout("tcp", r.s.Addr().String(), time.Second)
		if err != nil {
			break
		}
		_ = conn.Close()
		if time.Now().After(deadline) {
			t.Fatal("listener still accepts after shutdown began")
		}
		time.Sleep(20 * time.Millisecond)
	}
	select {
	case err := <-r.done:
		t.Fatalf("Run returned (%v) before the in-flight request finished", err)
	default:
	}
	close(release)
	res := <-got
	if res.err != nil || res.code != 200 || res.body != "slow body done" {
		t.Fatalf("in-flight request: %d %q %v", res.code, res.body, res.err)
	}
	if err := r.stop(t); err != nil {
		t.Fatalf("Run: %v", err)
	}
	// The state store was closed: its file lock is free again.
	st, err := bolt.Open(filepath.Join(r.s.cfg.DataDir, metaDirName, StateFileName), bolt.WithLockTimeout(time.Second))
	if err != nil {
		t.Fatalf("state store still locked after shutdown: %v", err)
	}
	_ = st.Close()
}

func TestShutdownTimeoutCutsStuckRequests(t *testing.T) {
	t.Parallel()
	entered := make(chan struct{})
	r := startWith(t, Config{RootUser: testRootUser, RootPassword: testRootSecret, ShutdownTimeout: 300 * time.Millisecond}, func(s *Server) {
		s.s3 = http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
			close(entered)
			<-req.Context().Done() // stuck until the connection is closed
		})
	})
	got := make(chan error, 1)
	go func() {
		res, err := http.Get(r.url() + "/bkt/stuck")
		if err == nil {
			_, err = io.ReadAll(res.Body)
			res.Body.Close()
		}
		got <- err
	}()
	<-entered
	began := time.Now()
	if err := r.stop(t); err != nil {
		t.Fatalf("Run: %v", err)
	}
	if d := time.Since(began); d > 10*time.Second {
		t.Errorf("shutdown took %v with a 300ms timeout", d)
	}
	if err := <-got; err == nil {
		t.Error("stuck request completed normally; want a cut connection")
	}
}

func TestServeTLS(t *testing.T) {
	t.Parallel()
	certFile, keyFile, pool := writeSelfSignedCert(t)
	r := start(t, Config{RootUser: testRootUser, RootPassword: testRootSecret, TLSCertFile: certFile, TLSKeyFile: keyFile})
	url := "https://" + r.s.Addr().String()
	if !strings.Contains(r.stdout.String(), "fedstore listening on "+url) {
		t.Errorf("stdout %q does not announce %s", r.stdout.String(), url)
	}
	c := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	res, err := c.Get(url + PathLive)
	if err != nil {
		t.Fatalf("https GET: %v", err)
	}
	_ = res.Body.Close()
	if res.StatusCode != 200 || res.TLS == nil || res.TLS.Version < tls.VersionTLS12 {
		t.Fatalf("https: status %d, tls %+v", res.StatusCode, res.TLS)
	}

	old := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{
		RootCAs: pool, MinVersion: tls.VersionTLS10, MaxVersion: tls.VersionTLS11,
	}}}
	if res, err := old.Get(url + PathLive); err == nil {
		_ = res.Body.Close()
		t.Error("a TLS 1.1 client was served")
	}
	if res, err := (&http.Client{Timeout: 10 * time.Second}).Get(r.url() + PathLive); err == nil {
		_ = res.Body.Close()
		if res.StatusCode == 200 {
			t.Error("plain HTTP was served on the TLS port")
		}
	}
}

func TestNewRefusesBadInputAndStoresNothing(t *testing.T) {
	t.Parallel()
	certFile, _, _ := writeSelfSignedCert(t)
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = busy.Close() })
	tests := []struct {
		name    string
		cfg     Config
		wantErr string
	}{
		{name: "half env pair", cfg: Config{RootUser: "admin"}, wantErr: "FEDSTORE_ROOT_PASSWORD is not"},
		{name: "short password", cfg: Config{RootUser: "admin", RootPassword: "short"}, wantErr: "secret key must be 8 to 256 characters, got 5"},
		{name: "key is not a key", cfg: Config{TLSCertFile: certFile, TLSKeyFile: certFile}, wantErr: "TLS certificate"},
		{name: "missing cert", cfg: Config{TLSCertFile: "/nonexistent/c.pem", TLSKeyFile: "/nonexistent/k.pem"}, wantErr: "no such file"},
		{name: "etcd", cfg: Config{State: "etcd"}, wantErr: "needs --etcd-endpoints"},
		{name: "etcd unreachable", cfg: Config{State: "etcd", EtcdEndpoints: []string{"http://127.0.0.1:1"}}, wantErr: "connection refused"},
		{name: "busy port", cfg: Config{Address: busy.Addr().String()}, wantErr: "address already in use"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := filepath.Join(t.TempDir(), "data")
			tt.cfg.DataDir = dir
			_, err := tryStart(t, tt.cfg, nil)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("New: %v, want error containing %q", err, tt.wantErr)
			}
			if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("data dir created despite the error (stat: %v)", err)
			}
		})
	}
}

var exportKeyLine = regexp.MustCompile(`(?m)^export AWS_ACCESS_KEY_ID=(\S+)$`)

func TestRootCredentialGenerationOnce(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()

	r1 := start(t, Config{DataDir: dir})
	out1 := r1.stdout.String()
	m := exportKeyLine.FindStringSubmatch(out1)
	if m == nil {
		t.Fatalf("first start did not print the credentials:\n%s", out1)
	}
	stored, err := rootcred.Load(dir)
	if err != nil {
		t.Fatalf("stored credentials: %v", err)
	}
	fi, err := os.Stat(rootcred.Path(dir))
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("credentials file mode %04o, want 0600", fi.Mode().Perm())
	}
	if fi, err := os.Stat(filepath.Join(dir, metaDirName)); err != nil || fi.Mode().Perm() != 0o700 {
		t.Errorf("%s: %v, mode %v, want 0700", metaDirName, err, fi)
	}
	for _, want := range []string{
		"export AWS_ACCESS_KEY_ID=" + stored.AccessKey + "\n",
		"export AWS_SECRET_ACCESS_KEY=" + stored.SecretKey + "\n",
		"export AWS_DEFAULT_REGION=us-east-1\n",
		"aws --endpoint-url " + r1.url() + " s3 ls\n",
	} {
		if !strings.Contains(out1, want) {
			t.Errorf("first start output lacks %q:\n%s", want, out1)
		}
	}
	if strings.Index(out1, "AWS_SECRET_ACCESS_KEY") > strings.Index(out1, "fedstore listening on") {
		t.Errorf("credentials printed after the listening line:\n%s", out1)
	}
	if strings.Contains(r1.logs.String(), stored.SecretKey) {
		t.Error("the generated secret reached the log")
	}
	if err := r1.stop(t); err != nil {
		t.Fatal(err)
	}

	r2 := start(t, Config{DataDir: dir})
	if out2 := r2.stdout.String(); strings.Contains(out2, "AWS_SECRET_ACCESS_KEY") || strings.Contains(out2, stored.SecretKey) {
		t.Errorf("second start printed the credentials again:\n%s", out2)
	}
	again, err := rootcred.Load(dir)
	if err != nil || again != stored {
		t.Errorf("credentials changed on restart (err %v)", err)
	}
	if err := r2.stop(t); err != nil {
		t.Fatal(err)
	}

	r3 := start(t, Config{DataDir: dir, RootUser: "envroot", RootPassword: "env-secret-123"})
	if strings.Contains(r3.stdout.String(), "AWS_SECRET_ACCESS_KEY") {
		t.Errorf("start with env credentials printed credentials:\n%s", r3.stdout.String())
	}
	if err := r3.stop(t); err != nil {
		t.Fatal(err)
	}
}
