package e2e

import (
	"bufio"
	"encoding/json"
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

// Settings of the interactive test IdP (e2e/idp/interactive.js).
const (
	loginClientID = "fedstore-cli"
	loginProvider = "corp"
	loginBucket   = "e2e-login"
)

// startInteractiveIdP starts e2e/idp/interactive.js: oidc-provider with its
// development login form, a public PKCE client with loopback redirects,
// refresh tokens and the device flow. Every login exists; users gives
// roles ("alice=s3admin").
func startInteractiveIdP(t *testing.T, users string) string {
	t.Helper()
	node := requireTool(t, "node")
	dir, err := filepath.Abs("idp")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "oidc-provider", "package.json")); err != nil {
		missingTool(t, "oidc-provider (npm, in e2e/idp)", err)
	}
	cmd := exec.Command(node, "interactive.js", "--port", "0", "--client-id", loginClientID, "--users", users)
	cmd.Dir, cmd.Env = dir, cleanEnv()
	logs := &lockedBuffer{}
	pr, pw := io.Pipe()
	cmd.Stdout, cmd.Stderr = pw, pw
	if err := cmd.Start(); err != nil {
		t.Fatalf("start interactive oidc-provider: %v", err)
	}
	exited := make(chan error, 1)
	go func() {
		err := cmd.Wait()
		pw.CloseWithError(io.EOF)
		exited <- err
	}()
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(pr)
		sent := false
		for sc.Scan() {
			logs.WriteLine(sc.Text())
			if m := idpListenLine.FindStringSubmatch(sc.Text()); m != nil && !sent {
				found <- m[1]
				sent = true
			}
		}
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
		}
		if t.Failed() {
			t.Logf("interactive oidc-provider output:\n%s", logs.Tail(40))
		}
	})
	select {
	case u := <-found:
		return u
	case err := <-exited:
		exited <- err
		t.Fatalf("interactive oidc-provider exited (%v):\n%s", err, logs.String())
	case <-time.After(30 * time.Second):
		t.Fatalf("interactive oidc-provider did not start:\n%s", logs.String())
	}
	return ""
}

// browserResult is what e2e/idp/browser.js prints.
type browserResult struct {
	URL             string   `json:"url"`
	Status          int      `json:"status"`
	FirstStatus     int      `json:"first_status"`
	Text            string   `json:"text"`
	Error           string   `json:"error"`
	AccessKeyID     string   `json:"access_key_id"`
	SecretAccessKey string   `json:"secret_access_key"`
	SessionToken    string   `json:"session_token"`
	Expires         string   `json:"expires"`
	Exports         string   `json:"exports"`
	Buckets         []string `json:"buckets"`
}

// browser runs e2e/idp/browser.js (playwright-core driving /usr/bin/chromium).
func browser(t *testing.T, args ...string) browserResult {
	t.Helper()
	node := requireTool(t, "node")
	requireTool(t, "/usr/bin/chromium")
	dir, _ := filepath.Abs("idp")
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "playwright-core", "package.json")); err != nil {
		missingTool(t, "playwright-core (npm, in e2e/idp)", err)
	}
	r := runner{t: t, bin: node, dir: dir, env: append(cleanEnv(), "HOME="+t.TempDir())}
	out := r.run(append([]string{"browser.js"}, args...)...)
	var res browserResult
	if err := json.Unmarshal([]byte(strings.TrimSpace(lastLine(out))), &res); err != nil {
		t.Fatalf("browser.js printed no JSON: %v\n%s", err, out)
	}
	if res.Error != "" {
		t.Fatalf("browser.js %s: %s", strings.Join(args, " "), res.Error)
	}
	return res
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}

type loginSetup struct {
	srv  *proc
	cli  runner
	root runner
	aws  string
}

func newLoginSetup(t *testing.T) *loginSetup {
	t.Helper()
	issuer := startInteractiveIdP(t, "alice=s3admin;mallory=")
	s := &loginSetup{srv: startServerAt(t, filepath.Join(t.TempDir(), "data"), "--sts-min-duration", "5s")}
	s.aws = awsV1(t)
	s.cli = fedstoreCLI(t, s.srv.URL)
	s.root = runner{t: t, bin: s.aws, env: awsEnv(t, s.srv.server)}
	s.cli.run("oidc", "configure", "--name", loginProvider, "--config-url", issuer, "--audience", loginClientID,
		"--client-id", loginClientID, "--redirect-url", s.srv.URL+"/login/callback")
	show := s.cli.run("oidc", "show", "--name", loginProvider)
	for _, want := range []string{"Client ID: " + loginClientID, "Redirect URL: " + s.srv.URL + "/login/callback"} {
		if !strings.Contains(show, want) {
			t.Fatalf("oidc show lacks %q:\n%s", want, show)
		}
	}
	f := filepath.Join(t.TempDir(), "s3admin.json")
	if err := os.WriteFile(f, []byte(stsAdminPolicy), 0o600); err != nil {
		t.Fatal(err)
	}
	s.cli.run("policy", "add", "s3admin", f)
	s.root.run("s3", "mb", "s3://"+loginBucket, "--endpoint-url", s.srv.URL)
	return s
}

// userEnv is a person's shell: own HOME (so ~/.aws and ~/.config), no AWS
// credentials in the environment.
func (s *loginSetup) userEnv(t *testing.T) ([]string, string) {
	home := t.TempDir()
	return append(cleanEnv(), "HOME="+home, "AWS_EC2_METADATA_DISABLED=true", "AWS_PAGER=", "AWS_MAX_ATTEMPTS=1"), home
}

// TestLoginBrowserSignInPage drives /login in headless Chromium: "Sign in
// with corp", the IdP's login form, consent, fedstore's result page; its
// credentials then list buckets with the AWS CLI. A screenshot is kept.
// Then the bad inputs: a replayed callback, a forged state, an IdP error.
func TestLoginBrowserSignInPage(t *testing.T) {
	t.Parallel()
	s := newLoginSetup(t)
	shot := filepath.Join(t.TempDir(), "signin-result.png")
	res := browser(t, "signin", "--url", s.srv.URL+"/login", "--provider", loginProvider, "--login", "alice",
		"--screenshot", shot, "--replay")
	if res.FirstStatus != 200 || !strings.HasPrefix(res.AccessKeyID, "ASIA") || res.SecretAccessKey == "" || res.SessionToken == "" {
		t.Fatalf("sign-in page did not show credentials: %+v", res)
	}
	if _, err := time.Parse(time.RFC3339, res.Expires); err != nil {
		t.Fatalf("expiry %q: %v", res.Expires, err)
	}
	if len(res.Buckets) != 1 || res.Buckets[0] != loginBucket {
		t.Fatalf("buckets on the page = %v, want [%s]", res.Buckets, loginBucket)
	}
	if !strings.Contains(res.Exports, "export AWS_SESSION_TOKEN=") {
		t.Fatalf("no export lines: %q", res.Exports)
	}
	keepArtifact(t, shot)
	// The replayed callback (same URL, code already redeemed) is refused.
	if res.Status != 400 || !strings.Contains(res.Text, "Sign-in not in progress") || strings.Contains(res.Text, "ASIA") {
		t.Fatalf("replayed callback: status %d, page:\n%s", res.Status, res.Text)
	}
	env, _ := s.userEnv(t)
	aws := runner{t: t, bin: s.aws, env: append(env, "AWS_ACCESS_KEY_ID="+res.AccessKeyID, "AWS_SECRET_ACCESS_KEY="+res.SecretAccessKey,
		"AWS_SESSION_TOKEN="+res.SessionToken, "AWS_DEFAULT_REGION="+region)}
	if out := aws.run("s3", "ls", "--endpoint-url", s.srv.URL); !strings.Contains(out, loginBucket) {
		t.Fatalf("aws s3 ls with the page's credentials:\n%s", out)
	}

	forged := browser(t, "signin", "--url", s.srv.URL+"/login", "--provider", loginProvider, "--forge-state")
	if forged.Status != 400 || !strings.Contains(forged.Text, "state mismatch") {
		t.Fatalf("forged state: status %d, page:\n%s", forged.Status, forged.Text)
	}
	cancelled := browser(t, "signin", "--url", s.srv.URL+"/login", "--provider", loginProvider, "--cancel")
	if cancelled.Status != 400 || !strings.Contains(cancelled.Text, "access_denied") || strings.Contains(cancelled.Text, "ASIA") {
		t.Fatalf("IdP error: status %d, page:\n%s", cancelled.Status, cancelled.Text)
	}
	// A user without roles gets an error page, not credentials.
	none := browser(t, "signin", "--url", s.srv.URL+"/login", "--provider", loginProvider, "--login", "mallory")
	if none.AccessKeyID != "" || !strings.Contains(none.Text, "did not issue credentials") {
		t.Fatalf("user without policies: %+v", none)
	}
	logs := s.srv.logs.String()
	for _, secret := range []string{res.SecretAccessKey, res.SessionToken} {
		if strings.Contains(logs, secret) {
			t.Fatal("server logs contain a secret of the issued credentials")
		}
	}
	if regexp.MustCompile(`code=[^R&\s]`).MatchString(logs) {
		t.Fatal("server logs contain an authorization code")
	}
}

// keepArtifact copies a file to e2e/artifacts/ (gitignored) for humans.
func keepArtifact(t *testing.T, path string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil || len(b) < 1000 {
		t.Fatalf("artifact %s: %v (%d bytes)", path, err, len(b))
	}
	if err := os.MkdirAll("artifacts", 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join("artifacts", filepath.Base(path)), b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// startLogin runs `fedstore login` in the background and returns the URL
// it prints (matching re) and a wait function for its exit.
func startLogin(t *testing.T, env []string, re *regexp.Regexp, args ...string) (string, func() (string, error)) {
	t.Helper()
	cmd := exec.Command(fedstoreBin, append([]string{"login"}, args...)...)
	cmd.Env = env
	var stdout lockedBuffer
	pr, pw := io.Pipe()
	cmd.Stdout, cmd.Stderr = &stdoutWriter{&stdout}, pw
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var stderr lockedBuffer
	found := make(chan string, 1)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		sc := bufio.NewScanner(pr)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		sent := false
		for sc.Scan() {
			stderr.WriteLine(sc.Text())
			if m := re.FindStringSubmatch(sc.Text()); m != nil && !sent {
				found <- m[1]
				sent = true
			}
		}
	}()
	exited := make(chan error, 1)
	go func() {
		err := cmd.Wait()
		pw.Close()
		exited <- err
	}()
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	select {
	case u := <-found:
		return u, func() (string, error) {
			select {
			case err := <-exited:
				wg.Wait()
				return stdout.String() + stderr.String(), err
			case <-time.After(60 * time.Second):
				return stderr.String(), errf("fedstore login did not finish")
			}
		}
	case err := <-exited:
		wg.Wait()
		t.Fatalf("fedstore login exited early (%v):\n%s", err, stderr.String())
	case <-time.After(30 * time.Second):
		t.Fatalf("fedstore login printed no URL:\n%s", stderr.String())
	}
	return "", nil
}

type stdoutWriter struct{ b *lockedBuffer }

func (w *stdoutWriter) Write(p []byte) (int, error) {
	for _, l := range strings.Split(strings.TrimRight(string(p), "\n"), "\n") {
		w.b.WriteLine(l)
	}
	return len(p), nil
}

// TestLoginCLI: `fedstore login` through the loopback redirect driven by
// the headless browser, then `aws --profile fedstore s3 ls` (endpoint from
// the config file's services section); credential_process across an
// expiry renews by the refresh token without a new sign-in; `--device`
// approved in the browser.
func TestLoginCLI(t *testing.T) {
	t.Parallel()
	s := newLoginSetup(t)
	env, home := s.userEnv(t)
	authURL, wait := startLogin(t, env, regexp.MustCompile(`^\s+(http://\S+/auth\?\S+)$`),
		"--endpoint", s.srv.URL, "--provider", loginProvider, "--no-browser", "--duration", "8s")
	res := browser(t, "authorize", "--url", authURL, "--login", "alice")
	if !strings.Contains(res.Text, "Signed in") {
		t.Fatalf("loopback page: %+v", res)
	}
	out, err := wait()
	if err != nil || !strings.Contains(out, `Credentials for profile "fedstore" expire at`) {
		t.Fatalf("fedstore login: %v\n%s", err, out)
	}
	credsFile := filepath.Join(home, ".aws", "credentials")
	checkPrivateFile(t, credsFile, "aws_session_token = ", "fedstore_expiration = ")
	checkPrivateFile(t, filepath.Join(home, ".aws", "config"), "[profile fedstore]", "services = fedstore-svc",
		"[services fedstore-svc]", "s3 =\n  endpoint_url = "+s.srv.URL)
	cache := filepath.Join(home, ".config", "fedstore", "login", "fedstore.json")
	checkPrivateFile(t, cache, `"refresh_token"`)
	for _, f := range []string{credsFile, cache, filepath.Join(home, ".aws", "config")} {
		if b, _ := os.ReadFile(f); strings.Contains(string(b), "eyJ") {
			t.Fatalf("%s holds a JWT (ID or access token):\n%s", f, b)
		}
	}
	aws := runner{t: t, bin: s.aws, env: env}
	if out := aws.run("--profile", "fedstore", "s3", "ls"); !strings.Contains(out, loginBucket) {
		t.Fatalf("aws --profile fedstore s3 ls:\n%s", out)
	}

	// credential_process across an expiry.
	cfg := filepath.Join(home, ".aws", "config")
	b, _ := os.ReadFile(cfg)
	b = append(b, []byte("\n[profile auto]\ncredential_process = "+fedstoreBin+" credentials --profile fedstore --refresh-before 2s\nservices = fedstore-svc\nregion = "+region+"\n")...)
	if err := os.WriteFile(cfg, b, 0o600); err != nil {
		t.Fatal(err)
	}
	first := readAK(t, credsFile)
	if out := aws.run("--profile", "auto", "s3", "ls"); !strings.Contains(out, loginBucket) {
		t.Fatalf("credential_process s3 ls:\n%s", out)
	}
	time.Sleep(9 * time.Second) // the 8s session has expired
	if _, errOut, err := aws.try("--profile", "fedstore", "s3", "ls"); err == nil || !strings.Contains(errOut, "xpired") {
		t.Fatalf("expired static credentials still work (err %v): %s", err, errOut)
	}
	if out := aws.run("--profile", "auto", "s3", "ls"); !strings.Contains(out, loginBucket) {
		t.Fatalf("credential_process after expiry:\n%s", out)
	}
	if renewed := readAK(t, credsFile); renewed == first {
		t.Fatalf("credentials were not renewed (still %s)", first)
	}
	if out := aws.run("--profile", "fedstore", "s3", "ls"); !strings.Contains(out, loginBucket) {
		t.Fatalf("renewed static profile:\n%s", out)
	}
	// AWS CLI v2 reads the same credential_process profile; Debian 12's
	// v2.9 predates the services section (v2.13+), so it is given the
	// endpoint (docs/login.md says so). Only the credential_process profile:
	// the static one holds 8 s credentials, which a loaded machine can
	// outlive between two CLI starts (v1 checked it above).
	if _, err := os.Stat("/usr/bin/aws"); err == nil {
		v2 := runner{t: t, bin: "/usr/bin/aws", env: env}
		for _, p := range []string{"auto"} {
			if out := v2.run("--profile", p, "--endpoint-url", s.srv.URL, "s3", "ls"); !strings.Contains(out, loginBucket) {
				t.Fatalf("aws v2 --profile %s s3 ls:\n%s", p, out)
			}
		}
	}

	// --device, approved in the browser, to another profile.
	devURL, wait := startLogin(t, env, regexp.MustCompile(`^\(or open (http://\S+)\)$`),
		"--endpoint", s.srv.URL, "--device", "--profile", "device")
	if res := browser(t, "device", "--url", devURL, "--login", "alice"); !strings.Contains(res.Text, "Sign-in Success") {
		t.Fatalf("device approval page: %+v", res)
	}
	if out, err := wait(); err != nil || !strings.Contains(out, `profile "device"`) {
		t.Fatalf("fedstore login --device: %v\n%s", err, out)
	}
	if out := aws.run("--profile", "device", "s3", "ls"); !strings.Contains(out, loginBucket) {
		t.Fatalf("aws --profile device s3 ls:\n%s", out)
	}
	// The first profile is still there (other profiles are kept).
	if !strings.Contains(readFile(t, credsFile), "[fedstore]") {
		t.Fatal("login --profile device dropped [fedstore]")
	}
}

// TestLoginBadInput: no such provider, a bad endpoint, a forged redirect
// to the loopback listener.
func TestLoginBadInput(t *testing.T) {
	// Not parallel. Under the full parallel e2e load a browser sent to the
	// login command's loopback listener got a dropped connection: the
	// command closed its listener before its page was out (fixed; the
	// unit test TestBrowserLoginAnswersForgedRedirect catches it under
	// -race). The forged redirect is sent by the test itself, which says
	// what the login command printed if it fails.
	s := newLoginSetup(t)
	env, home := s.userEnv(t)
	cli := runner{t: t, bin: fedstoreBin, env: env}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--endpoint", s.srv.URL, "--provider", "nope"}, `no provider "nope"; providers with sign-in: corp`},
		{[]string{"--endpoint", "ftp://x"}, "must be fedstore's http(s) URL"},
		{[]string{"--endpoint", s.srv.URL, "--profile", "a b"}, `--profile "a b"`},
	} {
		_, errOut, err := cli.try(append([]string{"login", "--no-browser"}, tc.args...)...)
		if err == nil || !strings.Contains(errOut, tc.want) {
			t.Errorf("login %v: err %v, stderr %q, want %q", tc.args, err, errOut, tc.want)
		}
	}
	authURL, wait := startLogin(t, env, regexp.MustCompile(`^\s+(http://\S+/auth\?\S+)$`),
		"--endpoint", s.srv.URL, "--no-browser")
	redirect := regexp.MustCompile(`redirect_uri=([^&]+)`).FindStringSubmatch(authURL)[1]
	ru, _ := urlUnescape(redirect)
	// The forged redirect is one GET of the loopback listener; any client
	// can send it (TestLogin drives the browser through the real one).
	resp, err := http.Get(ru + "?code=stolen&state=forged")
	if err != nil {
		out, werr := wait()
		t.Fatalf("forged loopback redirect: %v; the login command (exit %v) printed:\n%s", err, werr, out)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(page), "state does not match") {
		t.Fatalf("forged loopback redirect: %d %s", resp.StatusCode, page)
	}
	out, err := wait()
	if err == nil || !strings.Contains(out, "state does not match") {
		t.Fatalf("login after a forged redirect: %v\n%s", err, out)
	}
	if _, err := os.Stat(filepath.Join(home, ".aws", "credentials")); err == nil {
		t.Fatal("credentials written after a forged redirect")
	}
	_, errOut, err := cli.try("credentials", "--profile", "fedstore")
	if err == nil || !strings.Contains(errOut, "fedstore login") {
		t.Fatalf("credentials without a login: %v %s", err, errOut)
	}
}

func checkPrivateFile(t *testing.T, path string, wants ...string) {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Fatalf("%s has mode %v, want 0600", path, fi.Mode().Perm())
	}
	s := readFile(t, path)
	for _, w := range wants {
		if !strings.Contains(s, w) {
			t.Fatalf("%s lacks %q:\n%s", path, w, s)
		}
	}
}

func readFile(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func readAK(t *testing.T, credsFile string) string {
	t.Helper()
	m := regexp.MustCompile(`(?m)^aws_access_key_id = (\S+)`).FindStringSubmatch(readFile(t, credsFile))
	if m == nil {
		t.Fatalf("no access key in %s", credsFile)
	}
	return m[1]
}

func urlUnescape(s string) (string, error) { return url.QueryUnescape(s) }
