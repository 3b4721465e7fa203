package stsapi

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fedstore/fedstore/internal/reqctx"
	"github.com/fedstore/fedstore/internal/sts"
)

// testNow is the fixed clock of every test.
var testNow = time.Date(2026, 11, 29, 9, 0, 0, 0, time.UTC)

const (
	testRoleArn  = "arn:aws:iam::123456789012:role/s3admin"
	testSession  = "app1"
	testToken    = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJlLXNlY3JldC1tYXJrZXI"
	testAccess   = "ASIAFEDSTORE00000001"
	testSecret   = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY"
	testSessTok  = "FwoGZXIvYXdzEXAMPLEsessiontoken0123456789+/="
	testSubject  = "alice"
	testIssuer   = "https://idp.example.com/realms/demo"
	testAudience = "fedstore"
)

// fakeExchanger records its inputs and answers with out or err.
type fakeExchanger struct {
	mu    sync.Mutex
	calls []sts.WebIdentityInput
	out   *sts.WebIdentityOutput
	err   error
}

func (f *fakeExchanger) AssumeRoleWithWebIdentity(_ context.Context, in sts.WebIdentityInput) (*sts.WebIdentityOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, in)
	if f.err != nil {
		return nil, f.err
	}
	if f.out != nil {
		return f.out, nil
	}
	return goodOutput(in), nil
}

func (f *fakeExchanger) inputs() []sts.WebIdentityInput {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]sts.WebIdentityInput(nil), f.calls...)
}

// goodOutput is a successful exchange for in.
func goodOutput(in sts.WebIdentityInput) *sts.WebIdentityOutput {
	return &sts.WebIdentityOutput{
		AccessKeyID:                 testAccess,
		SecretAccessKey:             testSecret,
		SessionToken:                testSessTok,
		Expiration:                  testNow.Add(in.Duration),
		SubjectFromWebIdentityToken: testSubject,
		AssumedRoleARN:              "arn:aws:sts::000000000000:assumed-role/s3admin/" + in.RoleSessionName,
		AssumedRoleID:               "AROAFEDSTORES3ADMIN01:" + in.RoleSessionName,
		Provider:                    testIssuer,
		Audience:                    testAudience,
		PackedPolicySize:            7,
	}
}

// syncBuffer is a log sink safe for concurrent handlers.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// testHandler is a handler around ex with a fixed clock and a captured log.
type testHandler struct {
	h   http.Handler
	ex  *fakeExchanger
	log *syncBuffer
}

func newTestHandler(t *testing.T, ex *fakeExchanger, mod ...func(*Config)) *testHandler {
	t.Helper()
	if ex == nil {
		ex = &fakeExchanger{}
	}
	buf := &syncBuffer{}
	cfg := Config{
		Exchanger: ex,
		Logger:    slog.New(slog.NewJSONHandler(buf, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Clock:     func() time.Time { return testNow },
		Rand:      bytes.NewReader(bytes.Repeat([]byte{0xab}, 1024)),
	}
	for _, m := range mod {
		m(&cfg)
	}
	return &testHandler{h: New(cfg), ex: ex, log: buf}
}

// form is a valid AssumeRoleWithWebIdentity request, changed by edits
// ("" value with a "-" prefix on the name deletes it).
func form(edits ...string) url.Values {
	v := url.Values{
		"Action":           {"AssumeRoleWithWebIdentity"},
		"Version":          {"2011-06-15"},
		"RoleArn":          {testRoleArn},
		"RoleSessionName":  {testSession},
		"WebIdentityToken": {testToken},
	}
	for i := 0; i+1 < len(edits); i += 2 {
		k, val := edits[i], edits[i+1]
		if strings.HasPrefix(k, "-") {
			v.Del(k[1:])
			continue
		}
		v.Set(k, val)
	}
	return v
}

// postForm sends v as a form body to th with request id "REQ-1".
func (th *testHandler) postForm(v url.Values) *httptest.ResponseRecorder {
	r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(v.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return th.do(r)
}

// do serves r with request id "REQ-1" in its context.
func (th *testHandler) do(r *http.Request) *httptest.ResponseRecorder {
	r = r.WithContext(reqctx.With(r.Context(), &reqctx.Info{ID: "REQ-1"}))
	w := httptest.NewRecorder()
	th.h.ServeHTTP(w, r)
	return w
}

// wireError is the parsed ErrorResponse.
type wireError struct {
	XMLName xml.Name `xml:"ErrorResponse"`
	Type    string   `xml:"Error>Type"`
	Code    string   `xml:"Error>Code"`
	Message string   `xml:"Error>Message"`
	ReqID   string   `xml:"RequestId"`
}

func parseError(t *testing.T, w *httptest.ResponseRecorder) wireError {
	t.Helper()
	var e wireError
	if err := xml.Unmarshal(w.Body.Bytes(), &e); err != nil {
		t.Fatalf("error body is not XML: %v\n%s", err, w.Body.String())
	}
	if ct := w.Header().Get("Content-Type"); ct != "text/xml" {
		t.Errorf("Content-Type = %q, want text/xml", ct)
	}
	return e
}

// errReader fails every read.
type errReader struct{}

func (errReader) Read([]byte) (int, error) { return 0, errors.New("connection reset") }

var _ io.Reader = errReader{}

// discardLogger drops every line (fuzzing).
func discardLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }
