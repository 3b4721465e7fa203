package stsapi

import (
	"bytes"
	"encoding/xml"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// FuzzDecodeForm drives the whole handler with arbitrary form bodies and
// query strings: it never panics, always answers well-formed XML with a known
// status, and only ever hands the exchanger parameters within AWS's bounds.
// Seeds are in testdata/fuzz/FuzzDecodeForm.
func FuzzDecodeForm(f *testing.F) {
	f.Add(form().Encode(), "")
	f.Add("", form().Encode())
	f.Add("RoleArn=x&DurationSeconds=-0", "Action=AssumeRoleWithWebIdentity")
	f.Fuzz(func(t *testing.T, body, query string) {
		ex := &fakeExchanger{}
		th := newTestHandler(t, ex, func(c *Config) { c.Logger = discardLogger() })
		r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(body))
		r.URL.RawQuery = query
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		w := th.do(r)
		switch w.Code {
		case 200, 400, 413:
		default:
			t.Fatalf("unexpected status %d:\n%s", w.Code, w.Body.String())
		}
		if !wellFormedXML(w.Body.Bytes()) {
			t.Fatalf("response is not well-formed XML:\n%q", w.Body.String())
		}
		for _, in := range ex.inputs() {
			n := utf8.RuneCountInString
			switch {
			case !wellFormedARN(in.RoleArn) || n(in.RoleArn) < arnMin || n(in.RoleArn) > arnMax || !arnChars(in.RoleArn):
				t.Fatalf("RoleArn %q passed", in.RoleArn)
			case n(in.RoleSessionName) < sessionNameMin || n(in.RoleSessionName) > sessionNameMax || !sessionNameChars(in.RoleSessionName):
				t.Fatalf("RoleSessionName %q passed", in.RoleSessionName)
			case n(in.WebIdentityToken) < tokenMin || n(in.WebIdentityToken) > tokenMax:
				t.Fatalf("token of %d characters passed", n(in.WebIdentityToken))
			case in.Duration < DefaultMinDuration || in.Duration > DefaultMaxDuration || in.Duration%time.Second != 0:
				t.Fatalf("Duration %v passed", in.Duration)
			case in.Policy != "" && (n(in.Policy) > policyMax || !policyChars(in.Policy)):
				t.Fatalf("Policy %q passed", in.Policy)
			case len(in.PolicyArns) > maxPolicyArns:
				t.Fatalf("%d policy ARNs passed", len(in.PolicyArns))
			}
		}
	})
}

// wellFormedXML reports whether b parses completely as XML.
func wellFormedXML(b []byte) bool {
	d := xml.NewDecoder(bytes.NewReader(b))
	for {
		_, err := d.Token()
		if err == io.EOF {
			return true
		}
		if err != nil {
			return false
		}
	}
}
