package e2e

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const (
	smallSize = 1500     // one packet-ish object
	bigSize   = 20 << 20 // 20 MiB: multipart for the clients that split by default
)

// requireTool returns the absolute path of a client program. When it is
// missing the test is skipped, or fails when FEDSTORE_E2E_REQUIRE is set.
func requireTool(t *testing.T, name string) string {
	t.Helper()
	var p string
	var err error
	if filepath.IsAbs(name) {
		if _, err = os.Stat(name); err == nil {
			p = name
		}
	} else {
		p, err = exec.LookPath(name)
	}
	if err != nil {
		missingTool(t, name, err)
	}
	return p
}

// missingTool skips or fails for a client that cannot run here.
func missingTool(t *testing.T, name string, why error) {
	t.Helper()
	if os.Getenv("FEDSTORE_E2E_REQUIRE") != "" {
		t.Fatalf("client %s is required (FEDSTORE_E2E_REQUIRE is set) but unusable: %v; run scripts/install-test-deps.sh", name, why)
	}
	t.Skipf("client %s not available (%v); run scripts/install-test-deps.sh, or set FEDSTORE_E2E_REQUIRE=1 to make this a failure", name, why)
}

// awsV1 finds the pyenv AWS CLI v1: the first `aws` on PATH that is not the
// Debian v2 binary.
func awsV1(t *testing.T) string {
	t.Helper()
	for _, dir := range filepath.SplitList(os.Getenv("PATH")) {
		p := filepath.Join(dir, "aws")
		if p == "/usr/bin/aws" || p == "/bin/aws" {
			continue
		}
		if fi, err := os.Stat(p); err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0 {
			out, err := exec.Command(p, "--version").CombinedOutput()
			if err == nil && strings.HasPrefix(string(out), "aws-cli/1.") {
				return p
			}
		}
	}
	missingTool(t, "aws (CLI v1, pyenv)", errors.New("no AWS CLI v1 on PATH"))
	return ""
}

// runner runs one client program with a fixed environment.
type runner struct {
	t   *testing.T
	bin string
	env []string
	dir string
}

// run executes the program and returns its stdout; any failure ends the test
// with the command line, exit status and both outputs.
func (r runner) run(args ...string) string {
	r.t.Helper()
	out, errOut, err := r.try(args...)
	if err != nil {
		r.t.Fatalf("%s %s: %v\nstdout:\n%s\nstderr:\n%s", filepath.Base(r.bin), strings.Join(args, " "), err, clip(out), clip(errOut))
	}
	return out
}

// try executes the program and returns stdout, stderr and the error.
func (r runner) try(args ...string) (string, string, error) {
	r.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, r.bin, args...)
	cmd.Env = r.env
	cmd.Dir = r.dir
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	return stdout.String(), stderr.String(), err
}

func clip(s string) string {
	const max = 6000
	if len(s) > max {
		return s[:max/2] + "\n...[clipped]...\n" + s[len(s)-max/2:]
	}
	return s
}

// testData returns deterministic pseudo-random content of n bytes.
func testData(n int, seed uint64) []byte {
	var key [32]byte
	binary.LittleEndian.PutUint64(key[:], seed)
	rng := rand.NewChaCha8(key)
	b := make([]byte, n)
	_, _ = rng.Read(b)
	return b
}

// fixture is the pair of files every scenario uploads.
type fixture struct {
	dir                string
	small, big         []byte
	smallPath, bigPath string
}

func newFixture(t *testing.T) fixture {
	t.Helper()
	f := fixture{dir: t.TempDir(), small: testData(smallSize, 1), big: testData(bigSize, 2)}
	f.smallPath = filepath.Join(f.dir, "small.bin")
	f.bigPath = filepath.Join(f.dir, "big.bin")
	for p, b := range map[string][]byte{f.smallPath: f.small, f.bigPath: f.big} {
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return f
}

// assertFile compares a downloaded file with what was uploaded.
func assertFile(t *testing.T, path string, want []byte) {
	t.Helper()
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read downloaded %s: %v", path, err)
	}
	if !bytesEqual(got, want) {
		t.Fatalf("%s: downloaded %d bytes differ from the %d uploaded (first difference at %d)", filepath.Base(path), len(got), len(want), firstDiff(got, want))
	}
}

func bytesEqual(a, b []byte) bool { return bytes.Equal(a, b) }

func firstDiff(a, b []byte) int {
	n := min(len(a), len(b))
	for i := range n {
		if a[i] != b[i] {
			return i
		}
	}
	return n
}

// awsEnv is the environment for AWS CLI / boto3: root credentials, a fixed
// region, no instance metadata, and empty config files of the test's own.
func awsEnv(t *testing.T, s *server) []string {
	t.Helper()
	dir := t.TempDir()
	cfg, creds := filepath.Join(dir, "config"), filepath.Join(dir, "credentials")
	for _, p := range []string{cfg, creds} {
		if err := os.WriteFile(p, nil, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	env := append(cleanEnv(),
		"HOME="+dir,
		"AWS_ACCESS_KEY_ID="+rootUser,
		"AWS_SECRET_ACCESS_KEY="+rootPassword,
		"AWS_DEFAULT_REGION="+region,
		"AWS_REGION="+region,
		"AWS_EC2_METADATA_DISABLED=true",
		"AWS_CONFIG_FILE="+cfg,
		"AWS_SHARED_CREDENTIALS_FILE="+creds,
		"AWS_PAGER=",
		"AWS_MAX_ATTEMPTS=1",
	)
	if s.CAFile != "" {
		env = append(env, "AWS_CA_BUNDLE="+s.CAFile)
	}
	return env
}

// bucketName returns a bucket name unique within one server.
func bucketName(client string, tlsOn bool) string {
	n := "e2e-" + client
	if tlsOn {
		n += "-tls"
	}
	return n
}
