package main

import (
	"bufio"
	"bytes"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// buildBinary compiles fedstore into a temp dir.
func buildBinary(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := filepath.Join(t.TempDir(), "fedstore")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("go build: %v", err)
	}
	return bin
}

// environ is the test's environment without root credentials, plus extra.
func environ(extra ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, envRootUser+"=") || strings.HasPrefix(kv, envRootPassword+"=") {
			continue
		}
		env = append(env, kv)
	}
	return append(env, extra...)
}

func TestServerCommandEndToEnd(t *testing.T) {
	t.Parallel()
	bin := buildBinary(t)

	t.Run("serves and stops on SIGTERM", func(t *testing.T) {
		t.Parallel()
		data := filepath.Join(t.TempDir(), "data")
		cmd := exec.Command(bin, "server", "--data", data, "--address", "127.0.0.1:0", "--log-format", "json")
		cmd.Env = environ()
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = cmd.Process.Kill() })

		var printed strings.Builder
		url := ""
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			line := sc.Text()
			printed.WriteString(line + "\n")
			if rest, ok := strings.CutPrefix(line, "fedstore listening on "); ok {
				url = rest
				break
			}
		}
		if url == "" {
			t.Fatalf("no listening line; stdout:\n%s\nstderr:\n%s", printed.String(), stderr.String())
		}
		go func() { _, _ = io.Copy(io.Discard, stdout) }()
		out := printed.String()
		if !strings.Contains(out, "export AWS_ACCESS_KEY_ID=") || !strings.Contains(out, "aws --endpoint-url "+url+" s3 ls") {
			t.Errorf("first start did not print the credentials block:\n%s", out)
		}
		fi, err := os.Stat(filepath.Join(data, ".fedstore", "root-credentials.json"))
		if err != nil || fi.Mode().Perm() != 0o600 {
			t.Errorf("credentials file: %v, mode %v", err, fi)
		}

		res, err := (&http.Client{Timeout: 10 * time.Second}).Get(url + "/health/ready")
		if err != nil {
			t.Fatal(err)
		}
		_ = res.Body.Close()
		if res.StatusCode != http.StatusOK {
			t.Errorf("ready: %d", res.StatusCode)
		}

		if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
			t.Fatal(err)
		}
		waited := make(chan error, 1)
		go func() { waited <- cmd.Wait() }()
		select {
		case err := <-waited:
			if err != nil {
				t.Fatalf("exit after SIGTERM: %v\nstderr:\n%s", err, stderr.String())
			}
		case <-time.After(40 * time.Second):
			t.Fatal("server did not exit after SIGTERM")
		}
		logs := stderr.String()
		if !strings.Contains(logs, `"msg":"shutdown complete"`) || !strings.Contains(logs, `"request_id":"`) {
			t.Errorf("stderr lacks the JSON shutdown line or a request id:\n%s", logs)
		}
	})

	refusals := []struct {
		name    string
		args    []string
		env     []string
		wantErr string
	}{
		{name: "dev on all interfaces", args: []string{"--dev", "--address", "0.0.0.0:0"}, wantErr: "--dev: the development identity provider (--dev) only runs on a loopback address, not 0.0.0.0:0"},
		{name: "dev on a LAN address", args: []string{"--dev", "--address", "192.0.2.1:9000"}, wantErr: "only runs on a loopback address"},
		{name: "dev with TLS", args: []string{"--dev", "--tls-cert", "c.pem", "--tls-key", "k.pem"}, wantErr: "--dev serves plain http on a loopback address"},
		{name: "half env", env: []string{envRootUser + "=admin"}, wantErr: "FEDSTORE_ROOT_USER is set but FEDSTORE_ROOT_PASSWORD is not"},
		{name: "short password", env: []string{envRootUser + "=admin", envRootPassword + "=short"}, wantErr: "secret key must be 8 to 256 characters, got 5"},
		{name: "bad log format", args: []string{"--log-format", "xml"}, wantErr: `unknown log format "xml"`},
		{name: "negative access-log flush", args: []string{"--access-log-flush", "-1s"}, wantErr: "--access-log-flush -1s: must lie between 0 (every line at once) and 10s"},
		{name: "long access-log flush", args: []string{"--access-log-flush", "1m"}, wantErr: "--access-log-flush 1m0s: must lie between"},
		{name: "etcd", args: []string{"--state", "etcd"}, wantErr: "--state etcd needs --etcd-endpoints"},
		{name: "etcd flags with bolt", args: []string{"--etcd-endpoints", "http://127.0.0.1:2379"}, wantErr: "--etcd-* settings need --state etcd"},
		{name: "bad node id", args: []string{"--node-id", "a b"}, wantErr: "--node-id"},
		{name: "cert without key", args: []string{"--tls-cert", "c.pem"}, wantErr: "--tls-cert and --tls-key must be given together"},
		{name: "arguments", args: []string{"extra"}, wantErr: `unknown command "extra"`},
	}
	for _, tt := range refusals {
		t.Run("refuses "+tt.name, func(t *testing.T) {
			t.Parallel()
			data := filepath.Join(t.TempDir(), "data")
			args := append([]string{"server", "--data", data, "--address", "127.0.0.1:0"}, tt.args...)
			cmd := exec.Command(bin, args...)
			cmd.Env = environ(tt.env...)
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			err := cmd.Run()
			if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 {
				t.Fatalf("exit: %v, want status 1; stderr %s", err, stderr.String())
			}
			if !strings.Contains(stderr.String(), tt.wantErr) || strings.Count(stderr.String(), "\n") != 1 {
				t.Errorf("stderr %q, want one line containing %q", stderr.String(), tt.wantErr)
			}
			if stdout.Len() != 0 {
				t.Errorf("stdout %q, want nothing", stdout.String())
			}
			if _, err := os.Stat(data); !os.IsNotExist(err) {
				t.Errorf("data dir created by a refused start (%v)", err)
			}
		})
	}
}
