package stsapi

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestValidationErrors(t *testing.T) {
	t.Parallel()
	arnPat := arnPatternText
	x20 := strings.Repeat("x", 20)
	long2049 := "arn:aws:iam::1:role/" + strings.Repeat("r", 2049-20)
	emoji := "arn:aws:iam::1:role/\U0001F600"
	e2048 := "arn:aws:iam::1:role/" + strings.Repeat("é", 2048-20)
	tests := []struct {
		name  string
		edits []string
		code  string
		msg   string
		ok    bool // passes validation (the exchanger is called)
	}{
		{"role arn missing", []string{"-RoleArn", ""}, "ValidationError",
			"1 validation error detected: Value null at 'roleArn' failed to satisfy constraint: Member must not be null", false},
		{"role arn empty", []string{"RoleArn", ""}, "ValidationError",
			"2 validation errors detected: Value '' at 'roleArn' failed to satisfy constraint: Member must satisfy regular expression pattern: " + arnPat + "; Value '' at 'roleArn' failed to satisfy constraint: Member must have length greater than or equal to 20", false},
		{"role arn short", []string{"RoleArn", "not-an-arn"}, "ValidationError",
			"1 validation error detected: Value 'not-an-arn' at 'roleArn' failed to satisfy constraint: Member must have length greater than or equal to 20", false},
		{"role arn not an arn", []string{"RoleArn", x20}, "ValidationError", x20 + " is invalid", false},
		{"role arn without resource", []string{"RoleArn", "arn:aws:iam::123456789012:"}, "ValidationError", "arn:aws:iam::123456789012: is invalid", false},
		{"role arn too long", []string{"RoleArn", long2049}, "ValidationError",
			"1 validation error detected: Value '" + long2049 + "' at 'roleArn' failed to satisfy constraint: Member must have length less than or equal to 2048", false},
		{"role arn supplementary character", []string{"RoleArn", emoji}, "ValidationError",
			"1 validation error detected: Value '" + emoji + "' at 'roleArn' failed to satisfy constraint: Member must satisfy regular expression pattern: " + arnPat, false},
		{"role arn 2048 two-byte characters", []string{"RoleArn", e2048}, "", "", true},
		{"role arn of another partition", []string{"RoleArn", "arn:minio:iam:::role/x"}, "", "", true},
		{"role arn exactly 20", []string{"RoleArn", "arn:aws:iam::1:rolex"}, "", "", true},
		{"session name missing", []string{"-RoleSessionName", ""}, "ValidationError",
			"1 validation error detected: Value null at 'roleSessionName' failed to satisfy constraint: Member must not be null", false},
		{"session name empty", []string{"RoleSessionName", ""}, "ValidationError",
			"1 validation error detected: Value '' at 'roleSessionName' failed to satisfy constraint: Member must have length greater than or equal to 2", false},
		{"session name short", []string{"RoleSessionName", "a"}, "ValidationError",
			"1 validation error detected: Value 'a' at 'roleSessionName' failed to satisfy constraint: Member must have length greater than or equal to 2", false},
		{"session name bad character", []string{"RoleSessionName", "bad/name"}, "ValidationError",
			`1 validation error detected: Value 'bad/name' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\w+=,.@-]*`, false},
		{"session name non-ASCII letter", []string{"RoleSessionName", "né"}, "ValidationError",
			`1 validation error detected: Value 'né' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\w+=,.@-]*`, false},
		{"session name 65", []string{"RoleSessionName", strings.Repeat("a", 65)}, "ValidationError",
			"1 validation error detected: Value '" + strings.Repeat("a", 65) + "' at 'roleSessionName' failed to satisfy constraint: Member must have length less than or equal to 64", false},
		{"session name 2", []string{"RoleSessionName", "aa"}, "", "", true},
		{"session name 64 of every allowed character", []string{"RoleSessionName", strings.Repeat("aZ09_+=,.@-", 6)[:64]}, "", "", true},
		{"session name nanoseconds (minio-go)", []string{"RoleSessionName", "1764406800123456789"}, "", "", true},
		{"token missing", []string{"-WebIdentityToken", ""}, "ValidationError",
			"1 validation error detected: Value null at 'webIdentityToken' failed to satisfy constraint: Member must not be null", false},
		{"token short", []string{"WebIdentityToken", "abc"}, "ValidationError",
			"1 validation error detected: Value at 'webIdentityToken' failed to satisfy constraint: Member must have length greater than or equal to 4", false},
		{"token long", []string{"WebIdentityToken", strings.Repeat("t", 20001)}, "ValidationError",
			"1 validation error detected: Value at 'webIdentityToken' failed to satisfy constraint: Member must have length less than or equal to 20000", false},
		{"token 4", []string{"WebIdentityToken", "abcd"}, "", "", true},
		{"token 20000", []string{"WebIdentityToken", strings.Repeat("t", 20000)}, "", "", true},
		{"duration empty", []string{"DurationSeconds", ""}, "MalformedInput", "missing value for decimal type", false},
		{"duration not a number", []string{"DurationSeconds", "abc"}, "MalformedInput", "Value 'abc' at 'durationSeconds' is not an integer", false},
		{"duration decimal", []string{"DurationSeconds", "900.0"}, "MalformedInput", "Value '900.0' at 'durationSeconds' is not an integer", false},
		{"duration two signs", []string{"DurationSeconds", "+-900"}, "MalformedInput", "Value '+-900' at 'durationSeconds' is not an integer", false},
		{"duration over int32", []string{"DurationSeconds", "2147483648"}, "MalformedInput", "Value '2147483648' at 'durationSeconds' is out of the range of a 32-bit integer", false},
		{"duration under int32", []string{"DurationSeconds", "-2147483649"}, "MalformedInput", "Value '-2147483649' at 'durationSeconds' is out of the range of a 32-bit integer", false},
		{"duration 899", []string{"DurationSeconds", "899"}, "ValidationError",
			"1 validation error detected: Value '899' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to 900", false},
		{"duration negative", []string{"DurationSeconds", "-1"}, "ValidationError",
			"1 validation error detected: Value '-1' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to 900", false},
		{"duration 43201", []string{"DurationSeconds", "43201"}, "ValidationError",
			"1 validation error detected: Value '43201' at 'durationSeconds' failed to satisfy constraint: Member must have value less than or equal to 43200", false},
		{"duration int32 max", []string{"DurationSeconds", "2147483647"}, "ValidationError",
			"1 validation error detected: Value '2147483647' at 'durationSeconds' failed to satisfy constraint: Member must have value less than or equal to 43200", false},
		{"policy empty", []string{"Policy", ""}, "ValidationError",
			"2 validation errors detected: Value '' at 'policy' failed to satisfy constraint: Member must satisfy regular expression pattern: " + policyPatternText + "; Value '' at 'policy' failed to satisfy constraint: Member must have length greater than or equal to 1", false},
		{"policy 2049", []string{"Policy", strings.Repeat(" ", 2049)}, "ValidationError",
			"1 validation error detected: Value '" + strings.Repeat(" ", 2049) + "' at 'policy' failed to satisfy constraint: Member must have length less than or equal to 2048", false},
		{"policy outside Latin-1", []string{"Policy", `{"Sid":"€"}`}, "ValidationError",
			`1 validation error detected: Value '{"Sid":"€"}' at 'policy' failed to satisfy constraint: Member must satisfy regular expression pattern: ` + policyPatternText, false},
		{"policy 2048", []string{"Policy", strings.Repeat(" ", 2048)}, "", "", true},
		{"provider id short", []string{"ProviderId", "abc"}, "ValidationError",
			"1 validation error detected: Value 'abc' at 'providerId' failed to satisfy constraint: Member must have length greater than or equal to 4", false},
		{"policy arn short", []string{"PolicyArns.member.1.arn", "arn:aws:iam::aws:p"}, "ValidationError",
			"1 validation error detected: Value 'arn:aws:iam::aws:p' at 'policyArns.1.member.arn' failed to satisfy constraint: Member must have length greater than or equal to 20", false},
		{"policy arn gap", []string{"PolicyArns.member.2.arn", "arn:aws:iam::aws:policy/x"}, "ValidationError",
			"1 validation error detected: Value null at 'policyArns.1.member.arn' failed to satisfy constraint: Member must not be null", false},
		{"policy arn not an arn", []string{"PolicyArns.member.1.arn", "policy/readonly-policy-x"}, "ValidationError", "policy/readonly-policy-x is invalid", false},
		{"policy arn index 11", []string{"PolicyArns.member.11.arn", "arn:aws:iam::aws:policy/x"}, "ValidationError",
			"1 validation error detected: Value at 'policyArns' failed to satisfy constraint: Member must have length less than or equal to 10", false},
		{"policy arn index zero", []string{"PolicyArns.member.0.arn", "arn:aws:iam::aws:policy/x"}, "MalformedInput",
			"'PolicyArns.member.0.arn' is not a valid list member: the index must be a number from 1", false},
		{"several members at once", []string{"-RoleArn", "", "RoleSessionName", "a", "WebIdentityToken", "x", "DurationSeconds", "60"}, "ValidationError",
			"4 validation errors detected: Value null at 'roleArn' failed to satisfy constraint: Member must not be null; " +
				"Value 'a' at 'roleSessionName' failed to satisfy constraint: Member must have length greater than or equal to 2; " +
				"Value at 'webIdentityToken' failed to satisfy constraint: Member must have length greater than or equal to 4; " +
				"Value '60' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to 900", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			th := newTestHandler(t, nil)
			w := th.postForm(form(tt.edits...))
			called := len(th.ex.inputs()) > 0
			if tt.ok {
				if w.Code != http.StatusOK || !called {
					t.Fatalf("status %d (exchanger called: %v), want 200:\n%s", w.Code, called, w.Body.String())
				}
				return
			}
			if called {
				t.Error("the exchanger was called for an invalid request")
			}
			if w.Code != http.StatusBadRequest {
				t.Errorf("status %d, want 400", w.Code)
			}
			e := parseError(t, w)
			if e.Code != tt.code || e.Message != tt.msg || e.Type != "Sender" || e.ReqID != "REQ-1" {
				t.Errorf("got %s %q (type %s, id %s)\nwant %s %q", e.Code, e.Message, e.Type, e.ReqID, tt.code, tt.msg)
			}
		})
	}
}

func TestDispatch(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		method string
		target string
		body   string
		status int
		code   string
		msg    string
		ns     string
	}{
		{"missing action", "POST", "/", "Version=2011-06-15", 400, "MissingAction", "The request must contain the parameter Action.", faultNamespace},
		{"unknown action", "POST", "/", "Action=NoSuchAction&Version=2011-06-15", 400, "InvalidAction", "Could not find operation NoSuchAction for version 2011-06-15", faultNamespace},
		{"AssumeRole is not served", "GET", "/?Action=AssumeRole&Version=2011-06-15", "", 400, "InvalidAction", "Could not find operation AssumeRole for version 2011-06-15", faultNamespace},
		{"GetCallerIdentity without version", "GET", "/?Action=GetCallerIdentity", "", 400, "InvalidAction", "Could not find operation GetCallerIdentity for version NO_VERSION_SPECIFIED", faultNamespace},
		{"empty action", "POST", "/", "Action=&Version=2011-06-15", 400, "InvalidAction", "Could not find operation  for version 2011-06-15", faultNamespace},
		{"wrong version", "POST", "/", "Action=AssumeRoleWithWebIdentity&Version=2000-01-01", 400, "InvalidAction", "Could not find operation AssumeRoleWithWebIdentity for version 2000-01-01", faultNamespace},
		{"empty version", "POST", "/", "Action=AssumeRoleWithWebIdentity&Version=", 400, "InvalidAction", "Could not find operation AssumeRoleWithWebIdentity for version ", faultNamespace},
		{"first action wins", "POST", "/", "Action=NoSuchAction&Action=AssumeRoleWithWebIdentity&Version=2011-06-15", 400, "InvalidAction", "Could not find operation NoSuchAction for version 2011-06-15", faultNamespace},
		{"missing version accepted", "POST", "/", "Action=AssumeRoleWithWebIdentity&RoleArn=" + testRoleArn + "&RoleSessionName=app1&WebIdentityToken=abcd", 200, "", "", ""},
		{"malformed body", "POST", "/", "Action=AssumeRoleWithWebIdentity&WebIdentityToken=%zz", 400, "MalformedInput", `the request body is not valid application/x-www-form-urlencoded: invalid URL escape "%zz"`, stsNamespace},
		{"malformed query", "GET", "/?Action=%zz", "", 400, "MalformedInput", `the query string is not valid URL encoding: invalid URL escape "%zz"`, stsNamespace},
		{"body over 64 KiB", "POST", "/", "Action=AssumeRoleWithWebIdentity&Policy=" + strings.Repeat("a", MaxBodyBytes), 413, "RequestEntityTooLarge", "The request body exceeds the limit of 65536 bytes.", stsNamespace},
		{"method not allowed", "PUT", "/?Action=AssumeRoleWithWebIdentity", "", 405, "MethodNotAllowed", "The STS query API accepts GET and POST, not PUT.", stsNamespace},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			th := newTestHandler(t, nil)
			r := httptest.NewRequest(tt.method, tt.target, strings.NewReader(tt.body))
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			w := th.do(r)
			if w.Code != tt.status {
				t.Fatalf("status %d, want %d:\n%s", w.Code, tt.status, w.Body.String())
			}
			if tt.status == 200 {
				return
			}
			if len(th.ex.inputs()) > 0 {
				t.Error("the exchanger was called")
			}
			e := parseError(t, w)
			if e.Code != tt.code || e.Message != tt.msg || e.XMLName.Space != tt.ns {
				t.Errorf("got %s %q in %s\nwant %s %q in %s", e.Code, e.Message, e.XMLName.Space, tt.code, tt.msg, tt.ns)
			}
		})
	}
}

func TestUnreadableBody(t *testing.T) {
	t.Parallel()
	th := newTestHandler(t, nil)
	r := httptest.NewRequest(http.MethodPost, "/?Action=AssumeRoleWithWebIdentity", errReader{})
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	w := th.do(r)
	if e := parseError(t, w); w.Code != 400 || e.Code != "MalformedInput" || e.Message != "the request body could not be read: connection reset" {
		t.Errorf("got %d %s %q", w.Code, e.Code, e.Message)
	}
}

func TestWellFormedARN(t *testing.T) {
	t.Parallel()
	tests := []struct {
		arn  string
		want bool
	}{
		{"arn:aws:iam::123456789012:role/x", true},
		{"arn:minio:iam:::role/x", true},
		{"arn:aws-cn:iam::123456789012:role/path/x", true},
		{"arn:aws:sts::123456789012:assumed-role/r/s:with:colons", true},
		{"arn::iam::1:role/x", false},
		{"arn:aws:::1:role/x", false},
		{"arn:aws:iam::1:", false},
		{"arn:aws:iam::1", false},
		{"ARN:aws:iam::1:role/x", false},
		{"urn:aws:iam::1:role/x", false},
	}
	for _, tt := range tests {
		if got := wellFormedARN(tt.arn); got != tt.want {
			t.Errorf("wellFormedARN(%q) = %v, want %v", tt.arn, got, tt.want)
		}
	}
}
