package e2e

import (
	"bufio"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/fedstore/fedstore/internal/devidp"
	"github.com/fedstore/fedstore/internal/rootcred"
)

// Secrets (issue 6, item 7): a full flow against the real binary, with text
// and JSON logs, leaves no token, signature, secret key, session token or
// root password in the logs (the audit lines included) or in the admin
// CLI's output; files holding secrets are 0600; TLS below 1.2 is refused.
// And the STS rate limit per source (item 4).

// secret is one value that must never be logged.
type secret struct{ what, value string }

func TestSecretsNeverLogged(t *testing.T) {
	t.Parallel()
	for _, format := range []string{"text", "json"} {
		t.Run(format, func(t *testing.T) {
			t.Parallel()
			p := startDevProc(t, "--log-format", format)
			secrets, cliOut := secretsFlow(t, p)
			// Stopped, the server has written every line: access lines wait
			// in memory for up to --access-log-flush, and shutdown writes them.
			p.stopGracefully(t)
			logs := p.logs.String()
			// The flow did produce audit and access lines.
			for _, want := range []string{"sts exchange", "sts request refused", "PutObject", "REDACTED", "s3 request denied", "shutdown complete"} {
				if !strings.Contains(logs, want) {
					t.Errorf("the %s logs lack %q; the flow did not run as intended", format, want)
				}
			}
			if format == "json" && !strings.Contains(logs, `"msg":"sts exchange"`) {
				t.Errorf("--log-format json did not write JSON lines")
			}
			for _, s := range secrets {
				if len(s.value) < 8 {
					t.Fatalf("secret %s is too short to grep for: %q", s.what, s.value)
				}
				for where, text := range map[string]string{"server logs": logs, "admin CLI output": cliOut} {
					if i := strings.Index(text, s.value); i >= 0 {
						t.Errorf("%s contain the %s: ...%s...", where, s.what, text[max(0, i-200):min(len(text), i+len(s.value)+50)])
					}
				}
			}
		})
	}
}

// secretsFlow runs an exchange (POST and GET), a refused exchange, S3 calls
// with the session, a bad signature, presigned URLs (good and tampered),
// admin calls and a revocation, and returns every secret it used and the
// admin CLI's combined output.
func secretsFlow(t *testing.T, p *proc) ([]secret, string) {
	t.Helper()
	ctx := waitCtx(t, 3*time.Minute)
	hc := p.httpClient()
	mint := newDevMinter(t, p.DataDir)
	tok := mint.token(t, "alice")
	creds, err := stsExchange(ctx, hc, p.URL, tok, "secrets")
	if err != nil {
		t.Fatal(err)
	}
	secrets := []secret{{"root password", rootPassword}, {"session secret key", creds.SecretAccessKey},
		{"session token", creds.SessionToken}}
	secrets = append(secrets, jwtSecrets("JWT", tok)...)

	// GET /?Action=... carries the token in the query string; its session
	// policy allows listing only, so its PUT below is denied (audit line).
	tok2 := mint.token(t, "bob")
	secrets = append(secrets, jwtSecrets("JWT sent in a query", tok2)...)
	q := stsForm(tok2, "query")
	q.Set("Policy", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:ListBucket","Resource":"*"}]}`)
	narrow, err := stsExchangeForm(ctx, hc, http.MethodGet, p.URL, q)
	if err != nil {
		t.Fatalf("GET exchange: %v", err)
	}
	secrets = append(secrets, secret{"narrow session secret key", narrow.SecretAccessKey}, secret{"narrow session token", narrow.SessionToken})
	// A refused exchange: the tampered token is not logged either.
	// Change a character inside the signature: the last one carries padding
	// bits a lenient base64 decoder ignores.
	bad := tok[:len(tok)-10] + flipLast(tok[len(tok)-10:len(tok)-9]) + tok[len(tok)-9:]
	secrets = append(secrets, secret{"refused JWT", bad})
	if _, err := stsExchange(ctx, hc, p.URL, bad, "refused"); err == nil {
		t.Fatal("a token with a broken signature was accepted")
	}

	// S3 with the session.
	c := soakS3(soakHTTPClient(), p.URL, creds)
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("secrets")}); err != nil {
		t.Fatal(describeSDKError(err))
	}
	if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("secrets"), Key: aws.String("k"), Body: strings.NewReader("v")}); err != nil {
		t.Fatal(describeSDKError(err))
	}
	if _, err := c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("secrets")}); err != nil {
		t.Fatal(describeSDKError(err))
	}
	if _, err := soakS3(soakHTTPClient(), p.URL, narrow).PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("secrets"),
		Key: aws.String("denied"), Body: strings.NewReader("x")}); err == nil || !strings.Contains(err.Error(), "AccessDenied") {
		t.Fatalf("PUT outside the session policy: %v, want AccessDenied", err)
	}
	wrong := creds
	wrong.SecretAccessKey = strings.Repeat("x", 40)
	if _, err := soakS3(soakHTTPClient(), p.URL, wrong).GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("secrets"), Key: aws.String("k")}); err == nil {
		t.Fatal("a request signed with the wrong secret succeeded")
	}
	// Presigned URLs: the signature and the session token ride in the query.
	ps, err := s3.NewPresignClient(c).PresignGetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("secrets"), Key: aws.String("k")})
	if err != nil {
		t.Fatal(err)
	}
	pu, err := url.Parse(ps.URL)
	if err != nil {
		t.Fatal(err)
	}
	sig := pu.Query().Get("X-Amz-Signature")
	secrets = append(secrets, secret{"presigned URL signature", sig})
	if code, body := httpGet(t, hc, ps.URL); code != http.StatusOK || string(body) != "v" {
		t.Fatalf("presigned GET: %d %q", code, body)
	}
	qs := pu.Query()
	qs.Set("X-Amz-Signature", flipLast(sig))
	secrets = append(secrets, secret{"tampered presigned signature", qs.Get("X-Amz-Signature")})
	pu.RawQuery = qs.Encode()
	if code, _ := httpGet(t, hc, pu.String()); code != http.StatusForbidden {
		t.Errorf("tampered presigned GET: status %d, want 403", code)
	}

	// Admin calls, then a revocation and a refused request.
	cli := fedstoreCLI(t, p.URL)
	var out strings.Builder
	for _, args := range [][]string{{"admin", "info"}, {"policy", "list"}, {"oidc", "show", "--name", "dev"},
		{"sts", "list"}, {"sts", "list", "--json"}, {"sts", "revoke", creds.AccessKeyID}} {
		out.WriteString(cli.run(args...))
	}
	tokFile := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(tokFile, []byte(tok), 0o600); err != nil {
		t.Fatal(err)
	}
	out.WriteString(cli.run("sts", "explain", tokFile))
	if _, err := c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("secrets")}); err == nil {
		t.Error("a revoked session still lists")
	}
	// A presigned URL lives no longer than its session.
	if code, _ := httpGet(t, hc, ps.URL); code == http.StatusOK {
		t.Error("a presigned URL of a revoked session still works")
	}
	return secrets, out.String()
}

// jwtSecrets: the whole token, its signing input and its signature.
func jwtSecrets(what, tok string) []secret {
	parts := strings.Split(tok, ".")
	return []secret{{what, tok}, {what + " signing input", parts[0] + "." + parts[1]}, {what + " signature", parts[2]}}
}

// flipLast changes the last character of s (base64url / hex alphabet).
// flipLast changes the last character of s to another one, different also
// when compared case-insensitively (a hex signature "…a" must not become the
// same bytes "…A").
func flipLast(s string) string {
	last := s[len(s)-1]
	repl := byte('0')
	if last == '0' {
		repl = '1'
	}
	return s[:len(s)-1] + string(repl)
}

// TestSecretFilesMode: every file holding a secret is 0600 and fedstore's
// own directory is not readable by others; root credentials generated on
// first start are printed once and stored 0600.
func TestSecretFilesMode(t *testing.T) {
	t.Parallel()
	p := startDevProc(t)
	_ = newDevMinter(t, p.DataDir)
	genDir := filepath.Join(t.TempDir(), "data")
	out := startGeneratedRootServer(t, genDir)
	meta := filepath.Join(p.DataDir, rootcred.Dir)
	files := []string{
		filepath.Join(meta, devidp.KeyFileName),
		filepath.Join(meta, devidp.InfoFileName),
		filepath.Join(meta, "state.db"),
		filepath.Join(genDir, rootcred.Dir, rootcred.FileName),
		filepath.Join(genDir, rootcred.Dir, "state.db"),
	}
	for _, f := range files {
		st, err := os.Stat(f)
		if err != nil {
			t.Errorf("%s: %v", f, err)
			continue
		}
		if st.Mode().Perm() != 0o600 {
			t.Errorf("%s has mode %v, want 0600", f, st.Mode().Perm())
		}
	}
	for _, d := range []string{meta, filepath.Join(genDir, rootcred.Dir)} {
		if st, err := os.Stat(d); err != nil || st.Mode().Perm()&0o077 != 0 {
			t.Errorf("%s: mode %v (%v), want no access for group or others", d, modeOf(st), err)
		}
	}
	// Every file under the meta dirs, whatever its name, is private.
	for _, d := range []string{meta, filepath.Join(genDir, rootcred.Dir)} {
		_ = filepath.WalkDir(d, func(path string, e fs.DirEntry, err error) error {
			if err == nil && !e.IsDir() {
				if info, err := e.Info(); err == nil && info.Mode().Perm()&0o077 != 0 {
					t.Errorf("%s has mode %v, readable beyond its owner", path, info.Mode().Perm())
				}
			}
			return nil
		})
	}
	// The generated password is printed once, at first start.
	b, err := os.ReadFile(filepath.Join(genDir, rootcred.Dir, rootcred.FileName))
	if err != nil {
		t.Fatal(err)
	}
	var stored struct {
		SecretKey string `json:"secretKey"`
	}
	if err := json.Unmarshal(b, &stored); err != nil || len(stored.SecretKey) < 8 {
		t.Fatalf("cannot read the secret from %s (%v)", rootcred.FileName, err)
	}
	if n := strings.Count(out, stored.SecretKey); n != 1 {
		t.Errorf("the generated root password appears %d times in the first start's output, want once (the banner)", n)
	}
}

func modeOf(st os.FileInfo) os.FileMode {
	if st == nil {
		return 0
	}
	return st.Mode().Perm()
}

// startGeneratedRootServer starts a server without root credentials in its
// environment (so it generates them), waits for it to listen, stops it,
// and returns its whole output.
func startGeneratedRootServer(t *testing.T, dataDir string) string {
	t.Helper()
	if err := os.MkdirAll(dataDir, 0o750); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(fedstoreBin, "server", "--data", dataDir, "--address", "127.0.0.1:0")
	cmd.Env = cleanEnv()
	pr, pw := io.Pipe()
	cmd.Stdout, cmd.Stderr = pw, pw
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	buf := &lockedBuffer{}
	listening := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(pr)
		seen := false
		for sc.Scan() {
			buf.WriteLine(sc.Text())
			if !seen && listenLine.MatchString(sc.Text()) {
				seen = true
				close(listening)
			}
		}
		_, _ = io.Copy(io.Discard, pr)
	}()
	exited := make(chan error, 1)
	go func() { err := cmd.Wait(); pw.Close(); exited <- err }()
	select {
	case <-listening:
	case err := <-exited:
		t.Fatalf("server exited (%v):\n%s", err, buf.String())
	case <-time.After(30 * time.Second):
		_ = cmd.Process.Kill()
		<-exited
		t.Fatalf("server did not listen within 30 s:\n%s", buf.String())
	}
	_ = cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-exited:
	case <-time.After(20 * time.Second):
		_ = cmd.Process.Kill()
		<-exited
		t.Error("server did not stop within 20 s of SIGTERM")
	}
	return buf.String()
}

// TestTLSMinimumVersion: TLS 1.0 and 1.1 clients are refused, TLS 1.2 and
// 1.3 accepted.
func TestTLSMinimumVersion(t *testing.T) {
	t.Parallel()
	srv := startServer(t, true)
	for _, tc := range []struct {
		name    string
		version uint16
		ok      bool
	}{
		{"TLS 1.0", tls.VersionTLS10, false},
		{"TLS 1.1", tls.VersionTLS11, false},
		{"TLS 1.2", tls.VersionTLS12, true},
		{"TLS 1.3", tls.VersionTLS13, true},
	} {
		d := &tls.Dialer{NetDialer: &net.Dialer{Timeout: 10 * time.Second},
			Config: &tls.Config{RootCAs: srv.CAPool, MinVersion: tc.version, MaxVersion: tc.version, ServerName: "127.0.0.1"}}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		conn, err := d.DialContext(ctx, "tcp", srv.HostPort)
		cancel()
		if err == nil {
			got := conn.(*tls.Conn).ConnectionState().Version
			_ = conn.Close()
			if !tc.ok {
				t.Errorf("%s handshake succeeded (negotiated %s), want refused", tc.name, tls.VersionName(got))
			}
			continue
		}
		if tc.ok {
			t.Errorf("%s handshake failed: %v", tc.name, err)
		} else if ne := net.Error(nil); errors.As(err, &ne) && ne.Timeout() {
			t.Errorf("%s: handshake timed out instead of being refused: %v", tc.name, err)
		} else {
			t.Logf("%s refused: %v", tc.name, err)
		}
	}
}

// TestSTSRateLimit: with --sts-rate-limit 5, a burst of exchanges from one
// source gets 5 answers and then Throttling (400) with a message; after a
// pause the source may exchange again. Throttled requests are counted.
func TestSTSRateLimit(t *testing.T) {
	t.Parallel()
	p := startDevProc(t, "--sts-rate-limit", "5")
	mint := newDevMinter(t, p.DataDir)
	hc := p.httpClient()
	ctx := waitCtx(t, 2*time.Minute)
	var ok, throttled int
	start := time.Now()
	for i := range 20 {
		_, err := stsExchange(ctx, hc, p.URL, mint.token(t, "rl"), "rl")
		var se *stsError
		switch {
		case err == nil:
			ok++
		case errors.As(err, &se) && se.Status == 400 && se.Code == "Throttling" && strings.Contains(se.Message, "rate exceeded"):
			throttled++
		default:
			t.Fatalf("exchange %d: %v", i, err)
		}
	}
	// At 5/s with a burst of 5, at most 5 + elapsed x 5 pass.
	limit := 5 + int(time.Since(start).Seconds()*5) + 1
	if ok < 5 || ok > limit || throttled == 0 {
		t.Errorf("burst of 20 in %s: %d succeeded, %d throttled; want 5..%d and the rest Throttling", time.Since(start), ok, throttled, limit)
	}
	time.Sleep(1200 * time.Millisecond)
	if _, err := stsExchange(ctx, hc, p.URL, mint.token(t, "rl"), "rl"); err != nil {
		t.Errorf("after a pause the source is still refused: %v", err)
	}
	s, err := scrapeText(ctx, hc, p.URL)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(s, `fedstore_sts_exchanges_total{code="Throttling",outcome="refused"} `+strconv.Itoa(throttled)) {
		t.Errorf("metrics do not count %d throttled exchanges:\n%s", throttled, grepLines(s, "fedstore_sts_exchanges_total"))
	}
}

func scrapeText(ctx context.Context, hc *http.Client, srvURL string) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, srvURL+"/metrics", nil)
	if err != nil {
		return "", err
	}
	resp, err := hc.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 8<<20))
	return string(b), err
}
