package stsapi

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/fedstore/fedstore/internal/reqctx"
	"github.com/fedstore/fedstore/internal/sts"
)

// benchOutput is an exchange result of realistic size (a ~1 KB token).
func benchOutput() *sts.WebIdentityOutput {
	out := goodOutput(sts.WebIdentityInput{RoleSessionName: "bench-session", Duration: time.Hour})
	out.SessionToken = strings.Repeat("AbCdEfGhIj0123456789-_", 48)
	return out
}

// BenchmarkSuccessXML measures rendering the AssumeRoleWithWebIdentity
// response.
func BenchmarkSuccessXML(b *testing.B) {
	out := benchOutput()
	b.ReportAllocs()
	for b.Loop() {
		_ = successXML(out, false, "0f8fad5b-d9cb-469f-a165-70867728950e")
	}
}

// BenchmarkServeHTTP measures the whole handler around an exchanger that
// answers at once: form decoding, validation, the log line, the response.
func BenchmarkServeHTTP(b *testing.B) {
	ex := &fakeExchanger{out: benchOutput()}
	h := New(Config{Exchanger: ex, Logger: discardLogger(), Clock: func() time.Time { return testNow }})
	tok := "eyJhbGciOiJSUzI1NiIsImtpZCI6ImsxIn0." + strings.Repeat("eyJpc3MiOiJodHRwczovL2lkcC5leGFtcGxlLmNvbSJ9", 12) + "." + strings.Repeat("c2lnbmF0dXJl", 28)
	body := form("WebIdentityToken", tok, "DurationSeconds", "3600").Encode()
	b.ReportAllocs()
	for b.Loop() {
		r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(body))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		r = r.WithContext(reqctx.With(r.Context(), &reqctx.Info{ID: "REQ-1"}))
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != http.StatusOK {
			b.Fatalf("status %d: %s", w.Code, w.Body.String())
		}
		ex.calls = ex.calls[:0]
	}
}

// BenchmarkReadParams measures decoding a form body.
func BenchmarkReadParams(b *testing.B) {
	tok := "eyJhbGciOiJSUzI1NiIsImtpZCI6ImsxIn0." + strings.Repeat("eyJpc3MiOiJodHRwczovL2lkcC5leGFtcGxlLmNvbSJ9", 12) + "." + strings.Repeat("c2lnbmF0dXJl", 28)
	body := form("WebIdentityToken", tok, "DurationSeconds", "3600").Encode()
	b.ReportAllocs()
	for b.Loop() {
		r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(body))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if _, err := readParams(r); err != nil {
			b.Fatal(err)
		}
	}
}
