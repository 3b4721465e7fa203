package e2e

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Fixed root credentials for every e2e server.
const (
	rootUser     = "e2e-root-user"
	rootPassword = "e2e-root-password-0123456789"
	region       = "us-east-1"
)

// server is one running fedstore process.
type server struct {
	URL      string // http(s)://127.0.0.1:PORT
	HostPort string // 127.0.0.1:PORT
	TLS      bool
	DataDir  string
	// CAFile is the PEM of the CA that signed the server certificate (https only).
	CAFile string
	CAPool *x509.CertPool

	// Wire is the recording proxy the client scenarios go through; URL and
	// HostPort above reach the server directly.
	Wire *wireRecorder

	cmd  *exec.Cmd
	logs *lockedBuffer
}

var listenLine = regexp.MustCompile(`fedstore listening on (https?://127\.0\.0\.1:[0-9]+)`)

// startServer starts fedstore on 127.0.0.1:0 with a fresh data dir and the
// fixed root credentials, waits until it prints its listening line, and stops
// it (SIGTERM, wait) when the test ends.
func startServer(t *testing.T, withTLS bool) *server {
	t.Helper()
	root := t.TempDir()
	s := &server{TLS: withTLS, DataDir: filepath.Join(root, "data"), logs: &lockedBuffer{}}
	if err := os.MkdirAll(s.DataDir, 0o750); err != nil {
		t.Fatal(err)
	}
	// Access lines written at once: the tests grep the log right after a
	// request, for what must and must not be there. (TestSecretsNeverLogged
	// runs the default, lines written within 100ms, and stops the server
	// before it reads the log.)
	args := []string{"server", "--data", s.DataDir, "--address", "127.0.0.1:0", "--access-log-flush", "0"}
	var cert *tls.Certificate
	if withTLS {
		pki := newTestPKI(t, filepath.Join(root, "pki"))
		s.CAFile, s.CAPool, cert = pki.CAFile, pki.Pool, &pki.Cert
		args = append(args, "--tls-cert", pki.CertFile, "--tls-key", pki.KeyFile)
	}
	s.cmd = exec.Command(fedstoreBin, args...)
	s.cmd.Env = append(cleanEnv(), "FEDSTORE_ROOT_USER="+rootUser, "FEDSTORE_ROOT_PASSWORD="+rootPassword)
	s.cmd.Dir = root
	pr, pw := io.Pipe()
	s.cmd.Stdout = pw
	s.cmd.Stderr = pw
	if err := s.cmd.Start(); err != nil {
		t.Fatalf("start fedstore: %v", err)
	}
	exited := make(chan error, 1)
	go func() {
		err := s.cmd.Wait()
		pw.CloseWithError(io.EOF)
		exited <- err
	}()
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(pr)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		sent := false
		for sc.Scan() {
			line := sc.Text()
			s.logs.WriteLine(line)
			if m := listenLine.FindStringSubmatch(line); m != nil && !sent {
				found <- m[1]
				sent = true
			}
		}
		_, _ = io.Copy(io.Discard, pr)
	}()
	t.Cleanup(func() { s.stop(t, exited) })
	select {
	case u := <-found:
		s.URL = u
		pu, err := url.Parse(u)
		if err != nil {
			t.Fatal(err)
		}
		s.HostPort = pu.Host
		if withTLS != (pu.Scheme == "https") {
			t.Fatalf("server announced %s, want TLS=%v", u, withTLS)
		}
		s.Wire = startWireRecorder(t, s, cert)
	case err := <-exited:
		exited <- err // for stop
		t.Fatalf("fedstore exited before listening (%v); output:\n%s", err, s.logs.String())
	case <-time.After(30 * time.Second):
		t.Fatalf("fedstore did not print %q within 30s; output:\n%s", listenLine, s.logs.String())
	}
	return s
}

func (s *server) stop(t *testing.T, exited chan error) {
	if s.cmd.Process == nil {
		return
	}
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-exited:
		var ee *exec.ExitError
		if err != nil && !errors.As(err, &ee) {
			t.Logf("fedstore wait: %v", err)
		} else if err != nil && !t.Failed() {
			t.Errorf("fedstore exited with %v after SIGTERM; output:\n%s", err, s.logs.Tail(40))
		}
	case <-time.After(15 * time.Second):
		_ = s.cmd.Process.Kill()
		<-exited
		t.Errorf("fedstore did not stop within 15s of SIGTERM")
	}
	if t.Failed() {
		t.Logf("fedstore output (last lines):\n%s", s.logs.Tail(60))
	}
}

// httpClient is a client that trusts the server's CA.
func (s *server) httpClient() *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	if s.CAPool != nil {
		tr.TLSClientConfig = &tls.Config{RootCAs: s.CAPool, MinVersion: tls.VersionTLS12}
	}
	return &http.Client{Transport: tr, Timeout: 2 * time.Minute}
}

// objectPath is where the SPEC says an object's bytes live.
func (s *server) objectPath(bucket, key string) string {
	return filepath.Join(s.DataDir, bucket, filepath.FromSlash(key))
}

// assertStoredFile checks that the data dir holds the object as a plain file.
func (s *server) assertStoredFile(t *testing.T, bucket, key string, want []byte) {
	t.Helper()
	got, err := os.ReadFile(s.objectPath(bucket, key))
	if err != nil {
		t.Errorf("object %s/%s is not a plain file under the data dir: %v", bucket, key, err)
		return
	}
	if !bytesEqual(got, want) {
		t.Errorf("file for %s/%s has %d bytes that differ from the %d uploaded", bucket, key, len(got), len(want))
	}
}

// assertBucketGone checks that a deleted bucket left no directory behind.
func (s *server) assertBucketGone(t *testing.T, bucket string) {
	t.Helper()
	if _, err := os.Stat(filepath.Join(s.DataDir, bucket)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("bucket %q deleted but its directory remains (stat: %v)", bucket, err)
	}
}

// cleanEnv is the process environment without AWS_* and other client
// settings that would leak the machine's configuration into a test.
func cleanEnv() []string {
	var out []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		switch {
		case strings.HasPrefix(k, "AWS_"), strings.HasPrefix(k, "RCLONE_"),
			strings.HasPrefix(k, "FEDSTORE_"), strings.HasPrefix(k, "MINIO_"),
			k == "HTTP_PROXY", k == "HTTPS_PROXY", k == "http_proxy", k == "https_proxy":
			continue
		}
		out = append(out, kv)
	}
	return append(out, "NO_PROXY=127.0.0.1,localhost", "no_proxy=127.0.0.1,localhost")
}

// lockedBuffer collects the server's output lines.
type lockedBuffer struct {
	mu    sync.Mutex
	lines []string
}

func (b *lockedBuffer) WriteLine(l string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.lines) > 20000 {
		b.lines = b.lines[10000:]
	}
	b.lines = append(b.lines, l)
}

func (b *lockedBuffer) String() string { return b.Tail(1 << 30) }

func (b *lockedBuffer) Tail(n int) string {
	b.mu.Lock()
	defer b.mu.Unlock()
	l := b.lines
	if len(l) > n {
		l = l[len(l)-n:]
	}
	return strings.Join(l, "\n")
}

// waitCtx is a context bounded for one client step.
func waitCtx(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

func errf(format string, a ...any) error { return fmt.Errorf(format, a...) }
