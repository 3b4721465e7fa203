package main

import (
	"bytes"
	"context"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"github.com/fedstore/fedstore/internal/adminapi"
	"github.com/fedstore/fedstore/internal/adminapi/adminapitest"
	"github.com/fedstore/fedstore/internal/oidc"
	"github.com/fedstore/fedstore/internal/rootcred"
	"github.com/fedstore/fedstore/internal/sts"
)

var stsNow = time.Date(2026, 11, 29, 9, 0, 0, 0, time.UTC)

type fakeSTS struct {
	sessions []sts.Session
	tokens   []string
}

func (f *fakeSTS) List(_ context.Context, o sts.ListOptions) ([]sts.Session, error) {
	var out []sts.Session
	for _, s := range f.sessions {
		if o.Subject == "" || s.Subject == o.Subject {
			out = append(out, s)
		}
	}
	return out, nil
}

func (f *fakeSTS) Revoke(_ context.Context, ak string) (sts.Session, error) {
	for _, s := range f.sessions {
		if s.AccessKey == ak {
			return s, nil
		}
	}
	return sts.Session{}, fmt.Errorf("%w: %s", sts.ErrNoSuchSession, ak)
}

func (f *fakeSTS) RevokeSubject(ctx context.Context, sub string) ([]sts.Session, error) {
	return f.List(ctx, sts.ListOptions{Subject: sub})
}

// Explain answers from the token text: "good", "wrongcase" or anything else
// (a bad signature).
func (f *fakeSTS) Explain(_ context.Context, tok, roleArn string) sts.Explanation {
	f.tokens = append(f.tokens, tok)
	checks := []oidc.Check{
		{Name: oidc.CheckFormat, Status: oidc.CheckPass, Detail: "compact JWS: three base64url parts, JSON header and payload"},
		{Name: oidc.CheckProvider, Status: oidc.CheckPass, Detail: `provider "corp", issuer "https://idp.example.com"`},
		{Name: oidc.CheckSignature, Status: oidc.CheckPass, Detail: `verified with key "k1"`},
		{Name: oidc.CheckExp, Status: oidc.CheckPass, Detail: "expires 2026-11-29T10:00:00Z"},
	}
	ex := sts.Explanation{Token: oidc.Explanation{Provider: "corp", Issuer: "https://idp.example.com", KeyID: "k1", Algorithm: "RS256", Checks: checks, Valid: true}}
	m := &sts.Mapping{Claim: "roles", User: "alice", Groups: []string{"devs"}, Attached: []string{"team-read"}}
	switch tok {
	case "good":
		m.Roles = []sts.RoleMapping{{Role: "s3admin", Policy: true}, {Role: "billing", Note: `no policy named "billing"`}}
		if roleArn != "" {
			m.RoleName, m.Narrowed = "s3admin", true
		}
		m.Policies = []string{"s3admin", "team-read"}
		if m.Narrowed {
			m.Policies = []string{"s3admin"}
		}
		ex.Allowed = true
	case "wrongcase":
		m.Attached = nil
		m.Roles = []sts.RoleMapping{{Role: "S3Admin", Note: `no policy "S3Admin"; there is "s3admin" (names are case-sensitive)`}}
		ex.Reason = `not authorized to perform sts:AssumeRoleWithWebIdentity: no policy matches the values ["S3Admin"] of claim "roles" (policy names are case-sensitive), and no policy is attached to user "alice" or its groups ["devs"]`
	default:
		ex.Token.Valid = false
		ex.Token.Checks[2] = oidc.Check{Name: oidc.CheckSignature, Status: oidc.CheckFail, Detail: `signature does not verify with kid "k1" (RSA 2048)`}
		ex.Reason = `the web identity token that was passed could not be validated: signature does not verify with kid "k1" (RSA 2048)`
		m.Roles = []sts.RoleMapping{{Role: "s3admin", Policy: true}}
		m.Policies = []string{"s3admin", "team-read"}
	}
	ex.Mapping = m
	return ex
}

func (f *fakeSTS) RotateKey(context.Context) (sts.KeyInfo, error) {
	return sts.KeyInfo{ID: "8899aabbccddeeff", CreatedAt: stsNow, Current: true}, nil
}

func (f *fakeSTS) Keys() []sts.KeyInfo {
	return []sts.KeyInfo{{ID: "0011223344556677", CreatedAt: stsNow.Add(-time.Hour)}, {ID: "8899aabbccddeeff", CreatedAt: stsNow, Current: true}}
}

func stsServer(t *testing.T, f *fakeSTS) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(adminapi.New(adminapi.Config{
		Auth:  &adminapitest.Verifier{AccessKey: testAK, SecretKey: testSK},
		Clock: func() time.Time { return stsNow },
		STS:   f,
	}))
	t.Cleanup(srv.Close)
	return srv
}

func runSTS(t *testing.T, endpoint string, stdin string, args ...string) (string, error) {
	t.Helper()
	env := map[string]string{rootcred.EnvUser: testAK, rootcred.EnvPassword: testSK, envEndpoint: endpoint}
	root := &cobra.Command{Use: "fedstore", SilenceUsage: true, SilenceErrors: true}
	root.AddCommand(newSTSCmd(func(k string) string { return env[k] }))
	var out bytes.Buffer
	root.SetOut(&out)
	root.SetErr(&out)
	root.SetIn(strings.NewReader(stdin))
	root.SetArgs(append([]string{"sts"}, args...))
	err := root.ExecuteContext(context.Background())
	return out.String(), err
}

func TestSTSGolden(t *testing.T) {
	t.Parallel()
	f := &fakeSTS{sessions: []sts.Session{
		{AccessKey: "ASIAAAAAAAAAAAAAAAAA", Subject: "alice", Provider: "corp", Issuer: "https://idp.example.com",
			Policies: []string{"s3admin", "team-read"}, SessionName: "ci-job", ARN: "arn:aws:sts::000000000000:assumed-role/any/ci-job",
			SourceIP: "192.0.2.10", IssuedAt: stsNow.Add(-time.Hour), ExpiresAt: stsNow.Add(time.Hour)},
		{AccessKey: "ASIABBBBBBBBBBBBBBBB", Subject: "bob", Provider: "corp", Issuer: "https://idp.example.com",
			Policies: []string{"readonly"}, SessionName: "laptop", ARN: "arn:aws:sts::000000000000:assumed-role/readonly/laptop",
			IssuedAt: stsNow.Add(-time.Minute), ExpiresAt: stsNow.Add(12 * time.Hour)},
	}}
	srv := stsServer(t, f)
	dir := t.TempDir()
	for _, tok := range []string{"good", "wrongcase", "forged"} {
		if err := os.WriteFile(filepath.Join(dir, tok), []byte(tok+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	steps := []struct {
		args   []string
		stdin  string
		golden string
	}{
		{[]string{"list"}, "", "sts_list.txt"},
		{[]string{"list", "--subject", "bob", "--json"}, "", "sts_list_bob.json"},
		{[]string{"list", "--subject", "nobody"}, "", "sts_list_empty.txt"},
		{[]string{"revoke", "ASIABBBBBBBBBBBBBBBB"}, "", "sts_revoke.txt"},
		{[]string{"revoke", "--subject", "alice"}, "", "sts_revoke_subject.txt"},
		{[]string{"revoke", "--subject", "alice", "--json"}, "", "sts_revoke_subject.json"},
		{[]string{"explain", filepath.Join(dir, "good")}, "", "sts_explain_good.txt"},
		{[]string{"explain", filepath.Join(dir, "good"), "--role-arn", "arn:aws:iam::000000000000:role/s3admin"}, "", "sts_explain_narrowed.txt"},
		{[]string{"explain", filepath.Join(dir, "wrongcase")}, "", "sts_explain_wrongcase.txt"},
		{[]string{"explain", "-"}, "forged\n", "sts_explain_forged.txt"},
		{[]string{"explain", filepath.Join(dir, "forged"), "--json"}, "", "sts_explain_forged.json"},
		{[]string{"keys", "--rotate"}, "", "sts_keys.txt"},
	}
	for _, s := range steps {
		out, err := runSTS(t, srv.URL, s.stdin, s.args...)
		if err != nil {
			t.Fatalf("sts %s: %v", strings.Join(s.args, " "), err)
		}
		golden(t, s.golden, out)
	}
	if got := strings.Join(f.tokens, ","); got != "good,good,wrongcase,forged,forged" {
		t.Fatalf("tokens sent: %s (whitespace must be trimmed)", got)
	}
}

func TestSTSFailures(t *testing.T) {
	t.Parallel()
	srv := stsServer(t, &fakeSTS{})
	empty := filepath.Join(t.TempDir(), "empty")
	if err := os.WriteFile(empty, []byte(" \n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		args []string
		msg  string
	}{
		{[]string{"revoke"}, "sts revoke: give exactly one of ACCESS_KEY and --subject"},
		{[]string{"revoke", "ASIAAAAAAAAAAAAAAAAA", "--subject", "a"}, "give exactly one"},
		{[]string{"revoke", "ASIAZZZZZZZZZZZZZZZZ"}, "sts revoke: NoSuchSession: no live session has this access key: ASIAZZZZZZZZZZZZZZZZ"},
		{[]string{"explain"}, "accepts 1 arg(s)"},
		{[]string{"explain", filepath.Join(t.TempDir(), "missing")}, "no such file"},
		{[]string{"explain", empty}, "is empty"},
	}
	for _, tc := range tests {
		_, err := runSTS(t, srv.URL, "", tc.args...)
		if err == nil || !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("sts %s: %v, want %q", strings.Join(tc.args, " "), err, tc.msg)
		}
	}
}
