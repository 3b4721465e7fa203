package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/spf13/cobra"

	"github.com/fedstore/fedstore/internal/adminapi"
	"github.com/fedstore/fedstore/internal/adminapi/adminapitest"
	"github.com/fedstore/fedstore/internal/rootcred"
	"github.com/fedstore/fedstore/internal/state"
	"github.com/fedstore/fedstore/internal/state/memory"
)

// update rewrites testdata/*.golden (go test ./cmd/... -update). Other test
// files of this package share it.
var update = flag.Bool("update", false, "rewrite testdata/*.golden")

const (
	testAK = "ROOTACCESSKEY0000000"
	testSK = "root-secret-key-0123456789abcdefghijklmn"
)

var testStarted = time.Date(2026, 11, 29, 8, 0, 0, 0, time.UTC)

// adminServer runs the admin API over a memory store holding two entries,
// with a fixed clock so uptime is 1h30m7s.
func adminServer(t *testing.T) *httptest.Server {
	t.Helper()
	st := memory.New()
	t.Cleanup(func() { _ = st.Close() })
	for _, k := range []string{"a", "b"} {
		if _, err := st.Put(context.Background(), k, []byte("v"), state.AnyRevision); err != nil {
			t.Fatal(err)
		}
	}
	h := adminapi.New(adminapi.Config{
		Auth:  &adminapitest.Verifier{AccessKey: testAK, SecretKey: testSK},
		Store: st,
		Info: func() adminapi.Info {
			return adminapi.Info{Version: "v1.2.3", Go: "go1.26.8", State: adminapi.StateInfo{Backend: "memory"},
				DataDir: "/srv/fedstore/data", Address: "127.0.0.1:9000", StartedAt: testStarted}
		},
		Clock: func() time.Time { return testStarted.Add(90*time.Minute + 7*time.Second) },
	})
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

// run executes "fedstore args..." with env as the whole environment.
func run(t *testing.T, env map[string]string, args ...string) (string, error) {
	t.Helper()
	root := &cobra.Command{Use: "fedstore", SilenceUsage: true, SilenceErrors: true}
	root.AddCommand(newAdminCmd(func(k string) string { return env[k] }))
	var out bytes.Buffer
	root.SetOut(&out)
	root.SetErr(&out)
	root.SetArgs(args)
	err := root.ExecuteContext(context.Background())
	return out.String(), err
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update)", err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Fatalf("%s (-want +got):\n%s", path, diff)
	}
}

func TestAdminInfoGolden(t *testing.T) {
	t.Parallel()
	srv := adminServer(t)
	envCreds := map[string]string{rootcred.EnvUser: testAK, rootcred.EnvPassword: testSK}
	tests := []struct {
		name   string
		env    map[string]string
		args   []string
		golden string
	}{
		{"table", envCreds, []string{"admin", "info", "--endpoint", srv.URL}, "admin_info.txt"},
		{"json", envCreds, []string{"admin", "info", "--endpoint", srv.URL, "--json"}, "admin_info.json"},
		{"endpoint from env", map[string]string{rootcred.EnvUser: testAK, rootcred.EnvPassword: testSK, envEndpoint: srv.URL},
			[]string{"admin", "info"}, "admin_info.txt"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			out, err := run(t, tc.env, tc.args...)
			if err != nil {
				t.Fatalf("admin info: %v", err)
			}
			golden(t, tc.golden, out)
		})
	}
}

// TestAdminInfoStoredCredentials: without the environment, --data finds the
// credentials file the server wrote.
func TestAdminInfoStoredCredentials(t *testing.T) {
	t.Parallel()
	srv := adminServer(t)
	dir := t.TempDir()
	p := rootcred.Path(dir)
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(fmt.Sprintf(`{"accessKey":%q,"secretKey":%q}`, testAK, testSK)), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := run(t, nil, "admin", "info", "--endpoint", srv.URL, "--data", dir)
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "admin_info.txt", out)
}

func TestAdminInfoFailures(t *testing.T) {
	t.Parallel()
	srv := adminServer(t)
	dead := httptest.NewServer(nil)
	deadURL := dead.URL
	dead.Close()
	creds := func(ak, sk string) map[string]string {
		return map[string]string{rootcred.EnvUser: ak, rootcred.EnvPassword: sk}
	}
	tests := []struct {
		name string
		env  map[string]string
		args []string
		want string
	}{
		{"wrong secret", creds(testAK, "wrong-secret-value"), []string{"--endpoint", srv.URL}, "admin info: SignatureDoesNotMatch: "},
		{"unknown key", creds("SOMEONEELSE", testSK), []string{"--endpoint", srv.URL}, "admin info: InvalidAccessKeyId: "},
		{"no credentials", nil, []string{"--endpoint", srv.URL, "--data", t.TempDir()}, "admin info: no root credentials: set FEDSTORE_ROOT_USER and FEDSTORE_ROOT_PASSWORD"},
		{"half credentials", map[string]string{rootcred.EnvUser: testAK}, []string{"--endpoint", srv.URL}, "FEDSTORE_ROOT_USER is set but FEDSTORE_ROOT_PASSWORD is not"},
		{"server down", creds(testAK, testSK), []string{"--endpoint", deadURL, "--timeout", "2s"}, "admin info: cannot reach fedstore at " + deadURL},
		{"bad endpoint", creds(testAK, testSK), []string{"--endpoint", "localhost:9000"}, `must start with http:// or https://`},
		{"bad timeout", creds(testAK, testSK), []string{"--endpoint", srv.URL, "--timeout", "0s"}, "--timeout must be positive"},
		{"extra argument", creds(testAK, testSK), []string{"--endpoint", srv.URL, "extra"}, `unknown command "extra"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			out, err := run(t, tc.env, append([]string{"admin", "info"}, tc.args...)...)
			if err == nil {
				t.Fatalf("succeeded: %s", out)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %q, want containing %q", err, tc.want)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("error is not one line: %q", err)
			}
			if strings.Contains(err.Error(), testSK) {
				t.Fatalf("error shows the secret: %q", err)
			}
			if out != "" {
				t.Fatalf("printed output on failure: %q", out)
			}
		})
	}
}
