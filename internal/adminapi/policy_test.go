package adminapi

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/fedstore/fedstore/internal/iam"
	"github.com/fedstore/fedstore/internal/policy"
	"github.com/fedstore/fedstore/internal/state/memory"
)

const (
	readonlyDoc = `{
  "Version": "2012-10-17",
  "Statement": [
    {"Effect": "Allow", "Action": ["s3:GetObject", "s3:ListBucket"], "Resource": "arn:aws:s3:::*"}
  ]
}`
	oddActionDoc = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:GetObjekt","s3:GetObject"],"Resource":"*"}]}`
)

// newPolicyAPI serves the admin API over a real iam.Store on a memory state
// store with a fixed clock.
func newPolicyAPI(t *testing.T) http.Handler {
	t.Helper()
	st := memory.New()
	t.Cleanup(func() { _ = st.Close() })
	s, err := iam.New(context.Background(), st, iam.Options{Clock: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return New(Config{Auth: root(), Store: st, Info: fixedInfo, Clock: func() time.Time { return now }, IAM: s})
}

func jsonBody(t *testing.T, v any) *strings.Reader {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return strings.NewReader(string(b))
}

func TestPolicyRoundTrip(t *testing.T) {
	t.Parallel()
	h := newPolicyAPI(t)
	steps := []struct {
		method, path string
		body         any
		status       int
		op           string
		want         string // substring of the answer
		golden       string
	}{
		{http.MethodPost, PathPolicies, PolicyAddRequest{Name: "readonly", Document: readonlyDoc}, 200, "PolicyAdd", `"created": true`, "policy_add.json"},
		{http.MethodPost, PathPolicies, PolicyAddRequest{Name: "readonly", Document: readonlyDoc}, 200, "PolicyAdd", `"created": false`, ""},
		{http.MethodPost, PathPolicies, PolicyAddRequest{Name: "odd", Document: oddActionDoc}, 200, "PolicyAdd", `Statement[0].Action[0]`, ""},
		{http.MethodPost, PathPolicyAttach, PolicyAttachRequest{Policy: "readonly", User: "alice"}, 200, "PolicyAttach", `"changed": true`, ""},
		{http.MethodPost, PathPolicyAttach, PolicyAttachRequest{Policy: "readonly", Group: "auditors"}, 200, "PolicyAttach", `"group": "auditors"`, ""},
		{http.MethodPost, PathPolicyAttach, PolicyAttachRequest{Policy: "readonly", User: "alice"}, 200, "PolicyAttach", `"changed": false`, ""},
		{http.MethodGet, PathPolicies, nil, 200, "PolicyList", `"name": "odd"`, "policy_list.json"},
		{http.MethodGet, PathPolicy + "?name=readonly", nil, 200, "PolicyShow", `"users": [`, "policy_show.json"},
		{http.MethodGet, PathPolicyAttachments, nil, 200, "PolicyAttachments", `"user": "alice"`, "policy_attachments.json"},
		{http.MethodDelete, PathPolicy + "?name=readonly", nil, 409, "PolicyRemove", `"code": "PolicyAttached"`, ""},
		{http.MethodPost, PathPolicyDetach, PolicyAttachRequest{Policy: "readonly", User: "alice"}, 200, "PolicyDetach", `"changed": true`, ""},
		{http.MethodPost, PathPolicyDetach, PolicyAttachRequest{Policy: "readonly", User: "alice"}, 404, "PolicyDetach", `"code": "NotAttached"`, ""},
		{http.MethodDelete, PathPolicy + "?name=readonly&force=true", nil, 200, "PolicyRemove", `"group": "auditors"`, "policy_remove.json"},
		{http.MethodGet, PathPolicy + "?name=readonly", nil, 404, "PolicyShow", `"code": "NoSuchPolicy"`, ""},
		{http.MethodGet, PathPolicyAttachments, nil, 200, "PolicyAttachments", `"attachments": []`, ""},
	}
	for i, s := range steps {
		body := strings.NewReader("")
		if s.body != nil {
			body = jsonBody(t, s.body)
		}
		rec, info := serve(h, s.method, s.path, body)
		if rec.Code != s.status || info.Op != s.op || !strings.Contains(rec.Body.String(), s.want) {
			t.Fatalf("step %d %s %s: %d (op %s) %s; want %d %s %q", i, s.method, s.path, rec.Code, info.Op, rec.Body, s.status, s.op, s.want)
		}
		if s.golden != "" {
			golden(t, s.golden, rec.Body.Bytes())
		}
	}
}

func TestPolicyErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name         string
		method, path string
		body         string
		status       int
		code, msg    string
	}{
		{"bad name", http.MethodPost, PathPolicies, `{"name":"read only","document":"{}"}`, 400, "InvalidArgument", `policy name "read only" has the character ' '`},
		{"empty document", http.MethodPost, PathPolicies, `{"name":"x","document":" "}`, 400, "InvalidArgument", "document is empty"},
		{"malformed document", http.MethodPost, PathPolicies, `{"name":"x","document":"{\"Version\":\"2012-10-17\",\n\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"s3:GetObject\",\"Resource\":\"*\",\"Principal\":\"*\"}]}"}`,
			400, "MalformedPolicyDocument", "Statement[0]"},
		{"bad json location", http.MethodPost, PathPolicies, `{"name":"x","document":"{\"Version\":\"2012-10-17\",\n  \"Statement\": [}"}`,
			400, "MalformedPolicyDocument", "line 2"},
		{"too large", http.MethodPost, PathPolicies, `{"name":"x","document":"{\"Id\":\"` + strings.Repeat("a", 21<<10) + `\"}"}`, 400, "PolicyTooLarge", "20480"},
		{"unknown field", http.MethodPost, PathPolicies, `{"name":"x","doc":"{}"}`, 400, "MalformedJSON", `unknown field "doc"`},
		{"show missing", http.MethodGet, PathPolicy + "?name=ReadOnly", "", 404, "NoSuchPolicy", "case-sensitive"},
		{"show no name", http.MethodGet, PathPolicy, "", 400, "InvalidArgument", "policy name is empty"},
		{"remove missing", http.MethodDelete, PathPolicy + "?name=nope", "", 404, "NoSuchPolicy", `"nope"`},
		{"remove bad force", http.MethodDelete, PathPolicy + "?name=nope&force=maybe", "", 400, "InvalidArgument", `force="maybe"`},
		{"attach missing policy", http.MethodPost, PathPolicyAttach, `{"policy":"nope","user":"alice"}`, 404, "NoSuchPolicy", `"nope"`},
		{"attach both", http.MethodPost, PathPolicyAttach, `{"policy":"nope","user":"a","group":"g"}`, 400, "InvalidArgument", "not both"},
		{"attach neither", http.MethodPost, PathPolicyAttach, `{"policy":"nope"}`, 400, "InvalidArgument", "a user or a group"},
		{"body on list", http.MethodGet, PathPolicies, `{}`, 400, "InvalidRequest", "takes no request body"},
	}
	h := newPolicyAPI(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			w, _ := serve(h, tt.method, tt.path, strings.NewReader(tt.body))
			e := decodeErr(t, w)
			if w.Code != tt.status || e.Code != tt.code || !strings.Contains(e.Message, tt.msg) {
				t.Fatalf("%d %+v; want %d %s %q", w.Code, e, tt.status, tt.code, tt.msg)
			}
		})
	}
	noIAM := New(Config{Auth: root(), Info: fixedInfo})
	w, _ := serve(noIAM, http.MethodGet, PathPolicies, nil)
	if e := decodeErr(t, w); w.Code != 501 || e.Code != "NotImplemented" {
		t.Fatalf("no IAM: %d %+v", w.Code, e)
	}
}

func TestPolicyErrorTable(t *testing.T) {
	t.Parallel()
	for _, err := range []error{iam.ErrInvalidName, iam.ErrNoSuchPolicy, iam.ErrPolicyAttached, iam.ErrNotAttached,
		iam.ErrNoSuchBucketPolicy, iam.ErrBusy, policy.ErrMalformedPolicy, policy.ErrPolicyTooLarge, errIAMDisabled, errInvalidIAMRequest} {
		if row := lookup(fmt.Errorf("x: %w", err)); row.code == internalCode {
			t.Errorf("%v is not mapped", err)
		}
	}
}
