package adminapi

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/fedstore/fedstore/internal/oidc"
	"github.com/fedstore/fedstore/internal/sts"
)

var stsNow = time.Date(2026, 11, 29, 9, 0, 0, 0, time.UTC)

// fakeSTS answers from a fixed session list and records revocations.
type fakeSTS struct {
	sessions  []sts.Session
	revoked   []string
	subjects  []string
	explained []string
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
			f.revoked = append(f.revoked, ak)
			return s, nil
		}
	}
	return sts.Session{}, fmt.Errorf("%w: %s", sts.ErrNoSuchSession, ak)
}

func (f *fakeSTS) RevokeSubject(ctx context.Context, sub string) ([]sts.Session, error) {
	f.subjects = append(f.subjects, sub)
	return f.List(ctx, sts.ListOptions{Subject: sub})
}

func (f *fakeSTS) Explain(_ context.Context, tok, roleArn string) sts.Explanation {
	f.explained = append(f.explained, tok+"|"+roleArn)
	return sts.Explanation{
		Token: oidc.Explanation{Provider: "corp", Issuer: "https://idp.example.com", Valid: true,
			Checks: []oidc.Check{{Name: oidc.CheckSignature, Status: oidc.CheckPass, Detail: `verified with key "k1"`}}},
		Mapping: &sts.Mapping{Claim: "roles", User: "alice", Roles: []sts.RoleMapping{
			{Role: "s3admin", Policy: true}, {Role: "S3Admin", Note: `no policy named "S3Admin"`}}, Policies: []string{"s3admin"}},
		Allowed: true,
	}
}

func (f *fakeSTS) RotateKey(context.Context) (sts.KeyInfo, error) {
	return sts.KeyInfo{ID: "0011223344556677", CreatedAt: stsNow, Current: true}, nil
}

func (f *fakeSTS) Keys() []sts.KeyInfo {
	return []sts.KeyInfo{{ID: "0011223344556677", CreatedAt: stsNow, Current: true}}
}

func testSessions() []sts.Session {
	return []sts.Session{
		{AccessKey: "ASIAAAAAAAAAAAAAAAAA", Subject: "alice", Provider: "corp", Issuer: "https://idp.example.com",
			Policies: []string{"s3admin"}, SessionName: "app", ARN: "arn:aws:sts::000000000000:assumed-role/s3admin/app",
			SourceIP: "192.0.2.10", IssuedAt: stsNow.Add(-time.Hour), ExpiresAt: stsNow.Add(time.Hour)},
		{AccessKey: "ASIABBBBBBBBBBBBBBBB", Subject: "bob", Provider: "corp", Issuer: "https://idp.example.com",
			Policies: []string{"readonly", "team"}, SessionName: "cli", ARN: "arn:aws:sts::000000000000:assumed-role/any/cli",
			IssuedAt: stsNow.Add(-time.Minute), ExpiresAt: stsNow.Add(2 * time.Hour)},
	}
}

func TestSTSEndpoints(t *testing.T) {
	t.Parallel()
	f := &fakeSTS{sessions: testSessions()}
	h := New(Config{Auth: root(), Clock: func() time.Time { return stsNow }, STS: f})

	w, info := serve(h, http.MethodGet, PathSTSSessions, nil)
	if w.Code != http.StatusOK || info.Op != "STSListSessions" {
		t.Fatalf("list: %d %s", w.Code, w.Body)
	}
	golden(t, "sts_sessions.json", w.Body.Bytes())
	w, _ = serve(h, http.MethodGet, PathSTSSessions+"?subject=bob", nil)
	var list STSSessionList
	if err := json.Unmarshal(w.Body.Bytes(), &list); err != nil || len(list.Sessions) != 1 || list.Sessions[0].Subject != "bob" {
		t.Fatalf("list bob: %s (%v)", w.Body, err)
	}
	w, _ = serve(h, http.MethodGet, PathSTSSessions+"?subject=nobody", nil)
	if !strings.Contains(w.Body.String(), `"sessions": []`) {
		t.Fatalf("empty list: %s", w.Body)
	}

	w, info = serve(h, http.MethodPost, PathSTSRevoke, strings.NewReader(`{"access_key":"ASIABBBBBBBBBBBBBBBB"}`))
	if w.Code != http.StatusOK || info.Op != "STSRevoke" || !cmp.Equal(f.revoked, []string{"ASIABBBBBBBBBBBBBBBB"}) {
		t.Fatalf("revoke: %d %s %v", w.Code, w.Body, f.revoked)
	}
	golden(t, "sts_revoke.json", w.Body.Bytes())
	w, _ = serve(h, http.MethodPost, PathSTSRevoke, strings.NewReader(`{"subject":"alice"}`))
	var rr STSRevokeResult
	if err := json.Unmarshal(w.Body.Bytes(), &rr); err != nil || len(rr.Sessions) != 1 || !cmp.Equal(f.subjects, []string{"alice"}) {
		t.Fatalf("revoke subject: %s (%v)", w.Body, err)
	}

	w, info = serve(h, http.MethodPost, PathSTSExplain, strings.NewReader(`{"token":"  a.b.c\n","role_arn":"arn:aws:iam::1:role/x"}`))
	if w.Code != http.StatusOK || info.Op != "STSExplain" || !cmp.Equal(f.explained, []string{"a.b.c|arn:aws:iam::1:role/x"}) {
		t.Fatalf("explain: %d %s %v", w.Code, w.Body, f.explained)
	}
	golden(t, "sts_explain.json", w.Body.Bytes())

	w, _ = serve(h, http.MethodPost, PathSTSKeys, nil)
	if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), `"id": "0011223344556677"`) || strings.Contains(w.Body.String(), "secret") {
		t.Fatalf("rotate: %d %s", w.Code, w.Body)
	}
}

func TestSTSErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name         string
		svc          STSSessions
		method, path string
		body         string
		status       int
		code, msg    string
	}{
		{"no service", nil, http.MethodGet, PathSTSSessions, "", 501, "NotImplemented", "not available"},
		{"revoke both", &fakeSTS{}, http.MethodPost, PathSTSRevoke, `{"access_key":"ASIAAAAAAAAAAAAAAAAA","subject":"a"}`, 400, "InvalidRequest", "exactly one"},
		{"revoke neither", &fakeSTS{}, http.MethodPost, PathSTSRevoke, `{}`, 400, "InvalidRequest", "exactly one"},
		{"revoke unknown", &fakeSTS{}, http.MethodPost, PathSTSRevoke, `{"access_key":"ASIAZZZZZZZZZZZZZZZZ"}`, 404, "NoSuchSession", "ASIAZZZZZZZZZZZZZZZZ"},
		{"revoke unknown field", &fakeSTS{}, http.MethodPost, PathSTSRevoke, `{"ak":"x"}`, 400, "MalformedJSON", `unknown field "ak"`},
		{"explain empty", &fakeSTS{}, http.MethodPost, PathSTSExplain, `{"token":" "}`, 400, "InvalidRequest", "empty"},
		{"explain too long", &fakeSTS{}, http.MethodPost, PathSTSExplain, `{"token":"` + strings.Repeat("a", 20001) + `"}`, 400, "InvalidRequest", "20001 characters"},
		{"list with body", &fakeSTS{}, http.MethodGet, PathSTSSessions, `{}`, 400, "InvalidRequest", "takes no request body"},
		{"list long subject", &fakeSTS{}, http.MethodGet, PathSTSSessions + "?subject=" + strings.Repeat("s", 1025), "", 400, "InvalidRequest", "exceeds"},
		{"explain by GET", &fakeSTS{}, http.MethodGet, PathSTSExplain, "", 405, "MethodNotAllowed", "GET"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cfg := Config{Auth: root()}
			if tc.svc != nil {
				cfg.STS = tc.svc
			}
			h := New(cfg)
			var body io.Reader
			if tc.body != "" {
				body = strings.NewReader(tc.body)
			}
			w, _ := serve(h, tc.method, tc.path, body)
			e := decodeErr(t, w)
			if w.Code != tc.status || e.Code != tc.code || !strings.Contains(e.Message, tc.msg) {
				t.Fatalf("got %d %+v, want %d %s containing %q", w.Code, e, tc.status, tc.code, tc.msg)
			}
		})
	}
}

func TestSTSErrorTable(t *testing.T) {
	t.Parallel()
	for _, row := range stsErrorTable() {
		got := lookup(fmt.Errorf("wrapped: %w", row.err))
		if got.code != row.code || got.status != row.status {
			t.Errorf("%v maps to %s %d, want %s %d", row.err, got.code, got.status, row.code, row.status)
		}
	}
}
