package stsapi

import (
	"encoding/xml"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/fedstore/fedstore/internal/reqctx"
	"github.com/fedstore/fedstore/internal/sts"
)

// wireSuccess is the parsed success document.
type wireSuccess struct {
	XMLName    xml.Name `xml:"https://sts.amazonaws.com/doc/2011-06-15/ AssumeRoleWithWebIdentityResponse"`
	Subject    string   `xml:"AssumeRoleWithWebIdentityResult>SubjectFromWebIdentityToken"`
	Audience   string   `xml:"AssumeRoleWithWebIdentityResult>Audience"`
	RoleID     string   `xml:"AssumeRoleWithWebIdentityResult>AssumedRoleUser>AssumedRoleId"`
	RoleARN    string   `xml:"AssumeRoleWithWebIdentityResult>AssumedRoleUser>Arn"`
	AccessKey  string   `xml:"AssumeRoleWithWebIdentityResult>Credentials>AccessKeyId"`
	Secret     string   `xml:"AssumeRoleWithWebIdentityResult>Credentials>SecretAccessKey"`
	Token      string   `xml:"AssumeRoleWithWebIdentityResult>Credentials>SessionToken"`
	Expiration string   `xml:"AssumeRoleWithWebIdentityResult>Credentials>Expiration"`
	Provider   string   `xml:"AssumeRoleWithWebIdentityResult>Provider"`
	Packed     *int     `xml:"AssumeRoleWithWebIdentityResult>PackedPolicySize"`
	RequestID  string   `xml:"ResponseMetadata>RequestId"`
}

func TestRequestShapes(t *testing.T) {
	t.Parallel()
	full := form().Encode()
	tests := []struct {
		name string
		req  func() *http.Request
	}{
		{"POST form body", func() *http.Request {
			r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(full))
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			return r
		}},
		{"POST form body with charset", func() *http.Request {
			r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(full))
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
			return r
		}},
		{"POST ?Action with the rest in the body", func() *http.Request {
			rest := form("-Action", "", "-Version", "")
			r := httptest.NewRequest(http.MethodPost, "/?Action=AssumeRoleWithWebIdentity&Version=2011-06-15", strings.NewReader(rest.Encode()))
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			return r
		}},
		{"POST ?Action with everything in the query", func() *http.Request {
			return httptest.NewRequest(http.MethodPost, "/?"+full, nil)
		}},
		{"GET ?Action", func() *http.Request {
			return httptest.NewRequest(http.MethodGet, "/?"+full, nil)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			th := newTestHandler(t, nil)
			w := th.do(tt.req())
			if w.Code != http.StatusOK {
				t.Fatalf("status %d, body:\n%s", w.Code, w.Body.String())
			}
			if got := w.Header().Get("x-amzn-RequestId"); got != "REQ-1" {
				t.Errorf("x-amzn-RequestId = %q", got)
			}
			if got := w.Header().Get("Content-Type"); got != "text/xml" {
				t.Errorf("Content-Type = %q", got)
			}
			var s wireSuccess
			if err := xml.Unmarshal(w.Body.Bytes(), &s); err != nil {
				t.Fatal(err)
			}
			want := wireSuccess{XMLName: s.XMLName, Subject: testSubject, Audience: testAudience,
				RoleID: "AROAFEDSTORES3ADMIN01:app1", RoleARN: "arn:aws:sts::000000000000:assumed-role/s3admin/app1",
				AccessKey: testAccess, Secret: testSecret, Token: testSessTok, Expiration: "2026-11-29T10:00:00Z",
				Provider: testIssuer, RequestID: "REQ-1"}
			if diff := cmp.Diff(want, s); diff != "" {
				t.Errorf("response (-want +got):\n%s", diff)
			}
			in := th.ex.inputs()
			wantIn := []sts.WebIdentityInput{{RoleArn: testRoleArn, RoleSessionName: testSession, WebIdentityToken: testToken,
				Duration: time.Hour, SourceIP: "192.0.2.1"}}
			if diff := cmp.Diff(wantIn, in); diff != "" {
				t.Errorf("exchanger input (-want +got):\n%s", diff)
			}
		})
	}
}

func TestPassThroughParameters(t *testing.T) {
	t.Parallel()
	th := newTestHandler(t, nil)
	policy := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}`
	v := form("DurationSeconds", "0900", "Policy", policy, "ProviderId", "www.example.com",
		"PolicyArns.member.2.arn", "arn:aws:iam::aws:policy/readonly",
		"PolicyArns.member.1.arn", "arn:aws:iam::aws:policy/s3admin",
		"WebIdentityAccessToken", "ignored", "Unknown", "value")
	w := th.postForm(v)
	if w.Code != http.StatusOK {
		t.Fatalf("status %d:\n%s", w.Code, w.Body.String())
	}
	want := []sts.WebIdentityInput{{RoleArn: testRoleArn, RoleSessionName: testSession, WebIdentityToken: testToken,
		Duration: 900 * time.Second, Policy: policy, ProviderID: "www.example.com",
		PolicyArns: []string{"arn:aws:iam::aws:policy/s3admin", "arn:aws:iam::aws:policy/readonly"}, SourceIP: "192.0.2.1"}}
	if diff := cmp.Diff(want, th.ex.inputs()); diff != "" {
		t.Errorf("exchanger input (-want +got):\n%s", diff)
	}
	var s wireSuccess
	if err := xml.Unmarshal(w.Body.Bytes(), &s); err != nil {
		t.Fatal(err)
	}
	if s.Packed == nil || *s.Packed != 7 {
		t.Errorf("PackedPolicySize = %v, want 7 when a session policy was passed", s.Packed)
	}
	if s.Expiration != "2026-11-29T09:15:00Z" {
		t.Errorf("Expiration = %q", s.Expiration)
	}
}

func TestFirstValueWins(t *testing.T) {
	t.Parallel()
	th := newTestHandler(t, nil)
	body := form().Encode() + "&RoleSessionName=bad%2Fname&DurationSeconds=900&DurationSeconds=899"
	r := httptest.NewRequest(http.MethodPost, "/?RoleSessionName=query-loses", strings.NewReader(body))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if w := th.do(r); w.Code != http.StatusOK {
		t.Fatalf("status %d:\n%s", w.Code, w.Body.String())
	}
	in := th.ex.inputs()[0]
	if in.RoleSessionName != testSession || in.Duration != 900*time.Second {
		t.Errorf("got session %q duration %v, want the first values", in.RoleSessionName, in.Duration)
	}
}

func TestDefaultDurationClampedToMaximum(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		min, max time.Duration
		edits    []string
		want     time.Duration
	}{
		{"absent is one hour", 0, 0, nil, time.Hour},
		{"absent clamped to a lower maximum", 0, 30 * time.Minute, nil, 30 * time.Minute},
		{"minimum", 0, 0, []string{"DurationSeconds", "900"}, 900 * time.Second},
		{"maximum", 0, 0, []string{"DurationSeconds", "43200"}, 43200 * time.Second},
		{"leading plus", 0, 0, []string{"DurationSeconds", "+900"}, 900 * time.Second},
		{"lowered minimum for tests", time.Second, 0, []string{"DurationSeconds", "5"}, 5 * time.Second},
		{"raised maximum", 0, 24 * time.Hour, []string{"DurationSeconds", "86400"}, 24 * time.Hour},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			th := newTestHandler(t, nil, func(c *Config) { c.MinDuration, c.MaxDuration = tt.min, tt.max })
			w := th.postForm(form(tt.edits...))
			if w.Code != http.StatusOK {
				t.Fatalf("status %d:\n%s", w.Code, w.Body.String())
			}
			if got := th.ex.inputs()[0].Duration; got != tt.want {
				t.Errorf("Duration = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestRequestIDAndReqctx(t *testing.T) {
	t.Parallel()
	th := newTestHandler(t, nil)
	info := &reqctx.Info{}
	r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(form().Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r = r.WithContext(reqctx.With(r.Context(), info))
	w := httptest.NewRecorder()
	th.h.ServeHTTP(w, r)
	const wantID = "abababab-abab-4bab-abab-abababababab"
	if info.ID != wantID || w.Header().Get("x-amzn-RequestId") != wantID {
		t.Errorf("generated id %q / header %q, want %q", info.ID, w.Header().Get("x-amzn-RequestId"), wantID)
	}
	want := reqctx.Info{ID: wantID, API: "sts", Op: "AssumeRoleWithWebIdentity", Principal: testSubject}
	if diff := cmp.Diff(want, *info); diff != "" {
		t.Errorf("reqctx (-want +got):\n%s", diff)
	}
	info2 := &reqctx.Info{ID: "X"}
	r2 := httptest.NewRequest(http.MethodGet, "/?Action=GetCallerIdentity", nil)
	th.h.ServeHTTP(httptest.NewRecorder(), r2.WithContext(reqctx.With(r2.Context(), info2)))
	if want := (reqctx.Info{ID: "X", API: "sts", Op: "Unknown", Principal: "anonymous"}); *info2 != want {
		t.Errorf("reqctx for an unknown action = %+v, want %+v", *info2, want)
	}
}

func TestTokenAndSecretsNeverLoggedOrEchoed(t *testing.T) {
	t.Parallel()
	long := testToken + strings.Repeat("A", tokenMax)
	tests := []struct {
		name  string
		ex    *fakeExchanger
		token string
		code  int
	}{
		{"success", &fakeExchanger{}, testToken, http.StatusOK},
		{"too long", &fakeExchanger{}, long, http.StatusBadRequest},
		{"refused by the exchange", &fakeExchanger{err: sts.ErrInvalidIdentityToken}, testToken, http.StatusBadRequest},
		{"internal failure", &fakeExchanger{err: errString("boom")}, testToken, http.StatusInternalServerError},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			th := newTestHandler(t, tt.ex)
			w := th.postForm(form("WebIdentityToken", tt.token))
			if w.Code != tt.code {
				t.Fatalf("status %d, want %d:\n%s", w.Code, tt.code, w.Body.String())
			}
			logs := th.log.String()
			for _, secret := range []string{"c2lnbmF0dXJlLXNlY3JldC1tYXJrZXI", testSecret, testSessTok} {
				if strings.Contains(logs, secret) {
					t.Errorf("log contains a secret %q:\n%s", secret, logs)
				}
			}
			if w.Code != http.StatusOK && strings.Contains(w.Body.String(), "c2lnbmF0dXJlLXNlY3JldC1tYXJrZXI") {
				t.Errorf("error body echoes the token:\n%s", w.Body.String())
			}
			if !strings.Contains(logs, `"token_length":`) || !strings.Contains(logs, `"request_id":"REQ-1"`) {
				t.Errorf("log lacks token_length or request_id:\n%s", logs)
			}
		})
	}
}

type errString string

func (e errString) Error() string { return string(e) }

func TestSuccessLogLine(t *testing.T) {
	t.Parallel()
	th := newTestHandler(t, nil)
	if w := th.postForm(form()); w.Code != http.StatusOK {
		t.Fatal(w.Body.String())
	}
	logs := th.log.String()
	for _, want := range []string{`"subject":"alice"`, `"issuer":"` + testIssuer + `"`, `"access_key":"` + testAccess + `"`,
		`"outcome":"success"`, `"token_length":` + strconv.Itoa(len(testToken))} {
		if !strings.Contains(logs, want) {
			t.Errorf("log lacks %s:\n%s", want, logs)
		}
	}
}

func TestOnExchangeOutcomes(t *testing.T) {
	t.Parallel()
	type call struct{ outcome, code string }
	tests := []struct {
		name string
		ex   *fakeExchanger
		v    url.Values
		want call
	}{
		{"success", &fakeExchanger{}, form(), call{"success", ""}},
		{"validation", &fakeExchanger{}, form("RoleSessionName", "a"), call{"refused", "ValidationError"}},
		{"invalid action", &fakeExchanger{}, form("Action", "AssumeRole"), call{"refused", "InvalidAction"}},
		{"domain refusal", &fakeExchanger{err: sts.ErrAccessDenied}, form(), call{"refused", "AccessDenied"}},
		{"internal", &fakeExchanger{err: errString("x")}, form(), call{"error", "InternalFailure"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var got []call
			th := newTestHandler(t, tt.ex, func(c *Config) {
				c.OnExchange = func(outcome, code string) { got = append(got, call{outcome, code}) }
			})
			th.postForm(tt.v)
			if diff := cmp.Diff([]call{tt.want}, got, cmp.AllowUnexported(call{})); diff != "" {
				t.Errorf("OnExchange calls (-want +got):\n%s", diff)
			}
		})
	}
}
