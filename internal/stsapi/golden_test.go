package stsapi

import (
	"errors"
	"flag"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/fedstore/fedstore/internal/sts"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden")

// checkGolden compares got with testdata/name.golden (rewriting it with -update).
func checkGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("%s mismatch (-want +got):\n%s", path, diff)
	}
}

// TestGoldenResponses pins every document the API sends, byte for byte.
func TestGoldenResponses(t *testing.T) {
	t.Parallel()
	type send func(th *testHandler) *httptest.ResponseRecorder
	post := func(edits ...string) send {
		return func(th *testHandler) *httptest.ResponseRecorder { return th.postForm(form(edits...)) }
	}
	get := func(method, target string) send {
		return func(th *testHandler) *httptest.ResponseRecorder {
			return th.do(httptest.NewRequest(method, target, nil))
		}
	}
	type golden struct {
		name   string
		ex     *fakeExchanger
		send   send
		status int
	}
	tests := []golden{
		{"Success", nil, post(), 200},
		{"SuccessPackedPolicySize", nil, post("Policy", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}`), 200},
		{"Error-ValidationError", nil, post("RoleSessionName", "bad/name"), 400},
		{"Error-ValidationError-Multiple", nil, post("RoleArn", "", "WebIdentityToken", "x"), 400},
		{"Error-ValidationError-InvalidArn", nil, post("RoleArn", "role/s3admin-at-fedstore"), 400},
		{"Error-ValidationError-EscapedValue", nil, post("RoleSessionName", "<a&b>\x01\r\n'\"é"), 400},
		{"Error-MalformedInput", nil, post("DurationSeconds", "1h"), 400},
		{"Error-InvalidAction", nil, get("GET", "/?Action=GetCallerIdentity&Version=2011-06-15"), 400},
		{"Error-MissingAction", nil, get("GET", "/?Version=2011-06-15"), 400},
		{"Error-RequestEntityTooLarge", nil, post("Policy", strings.Repeat("p", MaxBodyBytes)), 413},
		{"Error-MethodNotAllowed", nil, get("DELETE", "/?Action=AssumeRoleWithWebIdentity"), 405},
		{"Error-InternalFailure", &fakeExchanger{err: errors.New("disk on fire")}, post(), 500},
	}
	seen := map[string]int{}
	for _, row := range errorTable {
		seen[row.code]++
		name := "Error-" + row.code
		if seen[row.code] > 1 {
			name += "-" + strconv.Itoa(seen[row.code])
		}
		tests = append(tests, golden{name, &fakeExchanger{err: fmt.Errorf("%w: reason", row.err)}, post(), row.status})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			w := tt.send(newTestHandler(t, tt.ex))
			if w.Code != tt.status {
				t.Errorf("status %d, want %d", w.Code, tt.status)
			}
			checkGolden(t, tt.name, w.Body.Bytes())
		})
	}
}

// TestGoldenSuccessMinimal checks the renderer on its own: Expiration in
// UTC to the second, optional elements left out when empty.
func TestGoldenSuccessMinimal(t *testing.T) {
	t.Parallel()
	out := &sts.WebIdentityOutput{AccessKeyID: "AK", SecretAccessKey: "SK", SessionToken: "ST",
		Expiration:                  testNow.Add(90*time.Minute + 999*time.Millisecond).In(time.FixedZone("UTC+2", 2*3600)),
		SubjectFromWebIdentityToken: "system:serviceaccount:ns:sa",
		AssumedRoleARN:              "arn:aws:sts::000000000000:assumed-role/r/s", AssumedRoleID: "AROAX:s"}
	checkGolden(t, "SuccessMinimal", successXML(out, false, "REQ-2"))
}
