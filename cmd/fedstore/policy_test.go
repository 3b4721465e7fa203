package main

import (
	"bytes"
	"context"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"github.com/fedstore/fedstore/internal/adminapi"
	"github.com/fedstore/fedstore/internal/adminapi/adminapitest"
	"github.com/fedstore/fedstore/internal/iam"
	"github.com/fedstore/fedstore/internal/rootcred"
	"github.com/fedstore/fedstore/internal/state/memory"
)

// policyServer runs the admin API over a real iam.Store (memory state,
// fixed clock).
func policyServer(t *testing.T) *httptest.Server {
	t.Helper()
	st := memory.New()
	t.Cleanup(func() { _ = st.Close() })
	store, err := iam.New(context.Background(), st, iam.Options{Clock: func() time.Time { return testStarted }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(store.Close)
	srv := httptest.NewServer(adminapi.New(adminapi.Config{
		Auth: &adminapitest.Verifier{AccessKey: testAK, SecretKey: testSK},
		IAM:  store,
	}))
	t.Cleanup(srv.Close)
	return srv
}

// runPolicy executes "fedstore policy args..."; it returns stdout and
// stderr apart (warnings go to stderr).
func runPolicy(t *testing.T, endpoint string, stdin string, args ...string) (string, string, error) {
	t.Helper()
	env := map[string]string{rootcred.EnvUser: testAK, rootcred.EnvPassword: testSK, envEndpoint: endpoint}
	root := &cobra.Command{Use: "fedstore", SilenceUsage: true, SilenceErrors: true}
	root.AddCommand(newPolicyCmd(func(k string) string { return env[k] }))
	var out, errOut bytes.Buffer
	root.SetOut(&out)
	root.SetErr(&errOut)
	root.SetIn(strings.NewReader(stdin))
	root.SetArgs(append([]string{"policy"}, args...))
	err := root.ExecuteContext(context.Background())
	return out.String(), errOut.String(), err
}

func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

const (
	cliReadonly = `{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Sid": "Read",
      "Effect": "Allow",
      "Action": ["s3:GetObject", "s3:ListBucket", "s3:GetBucketLocation"],
      "Resource": ["arn:aws:s3:::*"]
    }
  ]
}
`
	cliHome = `{"Version":"2012-10-17","Statement":[
  {"Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:s3:::home","Condition":{"StringLike":{"s3:prefix":["${aws:username}/*"]}}},
  {"Effect":"Allow","Action":["s3:GetObject","s3:PutObject"],"Resource":"arn:aws:s3:::home/${aws:username}/*"}]}`
	cliTypo = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:GetObjekt"],"Resource":"*"}]}`
	cliBad  = `{
  "Version": "2012-10-17",
  "Statement": [
    {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"},
    {"Effect": "Permit", "Action": "s3:GetObject", "Resource": "*"}
  ]
}`
)

// TestPolicyGolden walks one server through add, attach, list, show, detach
// and remove, comparing every output (tables and --json) with its golden.
func TestPolicyGolden(t *testing.T) {
	t.Parallel()
	srv := policyServer(t)
	dir := t.TempDir()
	ro := writeFile(t, dir, "readonly.json", cliReadonly)
	steps := []struct {
		args   []string
		stdin  string
		golden string
	}{
		{[]string{"list"}, "", "policy_list_empty.txt"},
		{[]string{"add", "readonly", ro}, "", "policy_add.txt"},
		{[]string{"add", "home", "-", "--json"}, cliHome, "policy_add.json"},
		{[]string{"add", "readonly", ro}, "", "policy_replace.txt"},
		{[]string{"attach", "readonly", "--user", "alice@example.com"}, "", "policy_attach.txt"},
		{[]string{"attach", "readonly", "--group", "auditors", "--json"}, "", "policy_attach.json"},
		{[]string{"attach", "readonly", "--group", "auditors"}, "", "policy_attach_again.txt"},
		{[]string{"attach", "home", "--user", "repo:org/app:ref:refs/heads/main"}, "", ""},
		{[]string{"list"}, "", "policy_list.txt"},
		{[]string{"list", "--json"}, "", "policy_list.json"},
		{[]string{"show", "readonly"}, "", "policy_show.txt"},
		{[]string{"show", "home", "--json"}, "", "policy_show.json"},
		{[]string{"detach", "readonly", "--user", "alice@example.com"}, "", "policy_detach.txt"},
		{[]string{"remove", "readonly", "--force"}, "", "policy_remove_force.txt"},
		{[]string{"detach", "home", "--user", "repo:org/app:ref:refs/heads/main"}, "", ""},
		{[]string{"remove", "home", "--json"}, "", "policy_remove.json"},
		{[]string{"list", "--json"}, "", "policy_list_empty.json"},
	}
	for _, s := range steps {
		out, errOut, err := runPolicy(t, srv.URL, s.stdin, s.args...)
		if err != nil {
			t.Fatalf("policy %s: %v", strings.Join(s.args, " "), err)
		}
		if errOut != "" {
			t.Fatalf("policy %s: stderr %q", strings.Join(s.args, " "), errOut)
		}
		if s.golden != "" {
			golden(t, s.golden, out)
		}
	}
}

func TestPolicyAddWarnings(t *testing.T) {
	t.Parallel()
	srv := policyServer(t)
	out, errOut, err := runPolicy(t, srv.URL, cliTypo, "add", "typo", "-")
	if err != nil {
		t.Fatal(err)
	}
	if out != "Policy \"typo\" added.\n" || !strings.HasPrefix(errOut, "warning: Statement[0].Action[0]: ") || !strings.Contains(errOut, "s3:GetObjekt") {
		t.Fatalf("stdout %q stderr %q", out, errOut)
	}
}

func TestPolicyFailures(t *testing.T) {
	t.Parallel()
	srv := policyServer(t)
	dir := t.TempDir()
	bad := writeFile(t, dir, "bad.json", cliBad)
	empty := writeFile(t, dir, "empty.json", "\n")
	big := writeFile(t, dir, "big.json", `{"Id":"`+strings.Repeat("x", 21<<10)+`"}`)
	ro := writeFile(t, dir, "ro.json", cliReadonly)
	if _, _, err := runPolicy(t, srv.URL, "", "add", "ro", ro); err != nil {
		t.Fatal(err)
	}
	if _, _, err := runPolicy(t, srv.URL, "", "attach", "ro", "--group", "g"); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"bad document", []string{"add", "x", bad},
			`policy add: MalformedPolicyDocument: policy "x": Statement[1].Effect: `},
		{"bad document location", []string{"add", "x", bad}, "(line 5, column 16)"},
		{"empty file", []string{"add", "x", empty}, "policy add: " + empty + " is empty"},
		{"too big", []string{"add", "x", big}, "is larger than 20480 bytes"},
		{"missing file", []string{"add", "x", filepath.Join(dir, "nope.json")}, "no such file or directory"},
		{"bad name", []string{"add", "read only", ro}, `policy add: InvalidArgument: invalid name: policy name "read only" has the character ' '`},
		{"missing args", []string{"add", "x"}, "expected NAME FILE, got 1 argument(s)"},
		{"show missing", []string{"show", "RO"}, `policy show: NoSuchPolicy: no such policy: "RO" (names are case-sensitive)`},
		{"remove attached", []string{"remove", "ro"}, `policy remove: PolicyAttached: policy is attached: "ro" is attached to group "g"; detach it first or remove it with --force`},
		{"attach neither", []string{"attach", "ro"}, "policy attach: give exactly one of --user ID and --group G"},
		{"attach both", []string{"attach", "ro", "--user", "u", "--group", "g"}, "give exactly one of"},
		{"attach missing policy", []string{"attach", "nope", "--user", "u"}, `policy attach: NoSuchPolicy: no such policy: "nope"`},
		{"detach not attached", []string{"detach", "ro", "--user", "u"}, `policy detach: NotAttached: policy is not attached: policy "ro" is not attached to user "u"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			out, _, err := runPolicy(t, srv.URL, "", tc.args...)
			if err == nil {
				t.Fatalf("succeeded: %s", out)
			}
			if !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "\n") {
				t.Fatalf("error %q, want one line containing %q", err, tc.want)
			}
			if out != "" {
				t.Fatalf("printed output on failure: %q", out)
			}
		})
	}
}
