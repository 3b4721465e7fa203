package sigv4

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"
)

const goodSig = "fe5f80f77d5fa3beca038a248ff027d0445342fe2855ddc963176630326f1024"

func TestParseAuthorization(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		h       string
		wantErr error
	}{
		{"aws docs form", "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, SignedHeaders=host;range;x-amz-date, Signature=" + goodSig, nil},
		{"no spaces (s3cmd, minio-go)", "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,SignedHeaders=host;range;x-amz-date,Signature=" + goodSig, nil},
		{"other order", "AWS4-HMAC-SHA256 Signature=" + goodSig + ",Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,SignedHeaders=host", nil},
		{"sigv2", "AWS AKIAIOSFODNN7EXAMPLE:frJIUN8DYpKDtOLCwo//yllqDzg=", ErrNotImplemented},
		{"sigv4a", "AWS4-ECDSA-P256-SHA256 Credential=x", ErrNotImplemented},
		{"bearer", "Bearer abc", ErrAuthorizationHeaderMalformed},
		{"algorithm only", "AWS4-HMAC-SHA256", ErrAuthorizationHeaderMalformed},
		{"missing signature", "AWS4-HMAC-SHA256 Credential=AK/20130524/us-east-1/s3/aws4_request, SignedHeaders=host", ErrAuthorizationHeaderMalformed},
		{"missing signed headers", "AWS4-HMAC-SHA256 Credential=AK/20130524/us-east-1/s3/aws4_request, Signature=" + goodSig, ErrAuthorizationHeaderMalformed},
		{"duplicate component", "AWS4-HMAC-SHA256 Credential=AK/20130524/us-east-1/s3/aws4_request, Credential=AK/20130524/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=" + goodSig, ErrAuthorizationHeaderMalformed},
		{"unknown component", "AWS4-HMAC-SHA256 Credential=AK/20130524/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=" + goodSig + ", Extra=1", ErrAuthorizationHeaderMalformed},
		{"no equals", "AWS4-HMAC-SHA256 Credential, SignedHeaders=host, Signature=" + goodSig, ErrAuthorizationHeaderMalformed},
		{"short credential", "AWS4-HMAC-SHA256 Credential=AK/20130524/us-east-1/s3, SignedHeaders=host, Signature=" + goodSig, ErrAuthorizationHeaderMalformed},
		{"bad terminator", "AWS4-HMAC-SHA256 Credential=AK/20130524/us-east-1/s3/aws5_request, SignedHeaders=host, Signature=" + goodSig, ErrAuthorizationHeaderMalformed},
		{"bad date", "AWS4-HMAC-SHA256 Credential=AK/2013-05-24/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=" + goodSig, ErrAuthorizationHeaderMalformed},
		{"empty key", "AWS4-HMAC-SHA256 Credential=/20130524/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=" + goodSig, ErrAuthorizationHeaderMalformed},
		{"empty region", "AWS4-HMAC-SHA256 Credential=AK/20130524//s3/aws4_request, SignedHeaders=host, Signature=" + goodSig, ErrAuthorizationHeaderMalformed},
		{"no host signed", "AWS4-HMAC-SHA256 Credential=AK/20130524/us-east-1/s3/aws4_request, SignedHeaders=range;x-amz-date, Signature=" + goodSig, ErrAuthorizationHeaderMalformed},
		{"unsorted signed headers", "AWS4-HMAC-SHA256 Credential=AK/20130524/us-east-1/s3/aws4_request, SignedHeaders=x-amz-date;host, Signature=" + goodSig, ErrAuthorizationHeaderMalformed},
		{"upper-case signed header", "AWS4-HMAC-SHA256 Credential=AK/20130524/us-east-1/s3/aws4_request, SignedHeaders=Host, Signature=" + goodSig, ErrAuthorizationHeaderMalformed},
		{"empty signed header", "AWS4-HMAC-SHA256 Credential=AK/20130524/us-east-1/s3/aws4_request, SignedHeaders=host;;x, Signature=" + goodSig, ErrAuthorizationHeaderMalformed},
		{"short signature", "AWS4-HMAC-SHA256 Credential=AK/20130524/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=abc", ErrAuthorizationHeaderMalformed},
		{"non-hex signature", "AWS4-HMAC-SHA256 Credential=AK/20130524/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=" + strings.Repeat("g", 64), ErrAuthorizationHeaderMalformed},
		{"huge header", "AWS4-HMAC-SHA256 Credential=" + strings.Repeat("A", 10000), ErrAuthorizationHeaderMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			a, err := ParseAuthorization(tt.h)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("err = %v, want %v", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if a.Credential.AccessKey != "AKIAIOSFODNN7EXAMPLE" || a.Credential.Scope != (Scope{"20130524", "us-east-1", "s3"}) {
				t.Fatalf("credential %+v", a.Credential)
			}
			if a.SignedHeaders[0] != "host" {
				t.Fatalf("signed headers %v", a.SignedHeaders)
			}
		})
	}
}

func TestParseRequestErrors(t *testing.T) {
	t.Parallel()
	auth := "AWS4-HMAC-SHA256 Credential=AK/20130524/us-east-1/s3/aws4_request, SignedHeaders=host;x-amz-date, Signature=" + goodSig
	presign := "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AK%2F20130524%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20130524T000000Z&X-Amz-Expires=60&X-Amz-SignedHeaders=host&X-Amz-Signature=" + goodSig
	tests := []struct {
		name    string
		query   string
		header  map[string][]string
		wantErr error
	}{
		{"anonymous", "", nil, nil},
		{"both mechanisms", presign, map[string][]string{"Authorization": {auth}}, ErrInvalidArgument},
		{"two authorization headers", "", map[string][]string{"Authorization": {auth, auth}}, ErrAuthorizationHeaderMalformed},
		{"no date", "", map[string][]string{"Authorization": {auth}, "X-Amz-Content-Sha256": {UnsignedPayload}}, ErrAccessDenied},
		{"bad x-amz-date", "", map[string][]string{"Authorization": {auth}, "X-Amz-Date": {"2013-05-24T00:00:00Z"}}, ErrAccessDenied},
		{"date not scope date", "", map[string][]string{"Authorization": {auth}, "X-Amz-Date": {"20130525T000000Z"}, "X-Amz-Content-Sha256": {UnsignedPayload}}, ErrAuthorizationHeaderMalformed},
		{"no content sha", "", map[string][]string{"Authorization": {auth}, "X-Amz-Date": {"20130524T000000Z"}}, ErrInvalidRequest},
		{"bad content sha", "", map[string][]string{"Authorization": {auth}, "X-Amz-Date": {"20130524T000000Z"}, "X-Amz-Content-Sha256": {"abc"}}, ErrInvalidArgument},
		{"sigv4a payload", "", map[string][]string{"Authorization": {auth}, "X-Amz-Date": {"20130524T000000Z"}, "X-Amz-Content-Sha256": {"STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD"}}, ErrNotImplemented},
		{"presign ok", presign, nil, nil},
		{"presign missing expires", strings.Replace(presign, "&X-Amz-Expires=60", "", 1), nil, ErrAuthorizationQueryParametersError},
		{"presign expires too long", strings.Replace(presign, "X-Amz-Expires=60", "X-Amz-Expires=604801", 1), nil, ErrAuthorizationQueryParametersError},
		{"presign expires zero", strings.Replace(presign, "X-Amz-Expires=60", "X-Amz-Expires=0", 1), nil, ErrAuthorizationQueryParametersError},
		{"presign expires negative", strings.Replace(presign, "X-Amz-Expires=60", "X-Amz-Expires=-1", 1), nil, ErrAuthorizationQueryParametersError},
		{"presign expires nan", strings.Replace(presign, "X-Amz-Expires=60", "X-Amz-Expires=x", 1), nil, ErrAuthorizationQueryParametersError},
		{"presign bad algorithm", strings.Replace(presign, "AWS4-HMAC-SHA256", "HMAC", 1), nil, ErrAuthorizationQueryParametersError},
		{"presign bad date", strings.Replace(presign, "X-Amz-Date=20130524T000000Z", "X-Amz-Date=yesterday", 1), nil, ErrAuthorizationQueryParametersError},
		{"presign bad credential", strings.Replace(presign, "AK%2F20130524", "AK", 1), nil, ErrAuthorizationQueryParametersError},
		{"presign twice", presign + "&X-Amz-Date=20130524T000000Z", nil, ErrAuthorizationQueryParametersError},
		{"presign only signature", "X-Amz-Signature=" + goodSig, nil, ErrAuthorizationQueryParametersError},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r, _ := http.NewRequest("GET", "http://h/b/k?"+tt.query, nil)
			for k, v := range tt.header {
				r.Header[k] = v
			}
			s, err := ParseRequest(r)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("err = %v, want %v", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if (s == nil) != (tt.name == "anonymous") {
				t.Fatalf("signed = %v", s)
			}
		})
	}
}

func TestCheckTime(t *testing.T) {
	t.Parallel()
	tm := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	hdr := &Signed{Time: tm, AmzDate: tm.Format(TimeFormat)}
	pre := &Signed{Presigned: true, Time: tm, AmzDate: tm.Format(TimeFormat), Expires: time.Hour}
	tests := []struct {
		name    string
		s       *Signed
		now     time.Time
		wantErr error
	}{
		{"header on time", hdr, tm, nil},
		{"header 15m late", hdr, tm.Add(15 * time.Minute), nil},
		{"header 16m late", hdr, tm.Add(16 * time.Minute), ErrRequestTimeTooSkewed},
		{"header 16m early", hdr, tm.Add(-16 * time.Minute), ErrRequestTimeTooSkewed},
		{"presign within expiry", pre, tm.Add(59 * time.Minute), nil},
		{"presign expired", pre, tm.Add(61 * time.Minute), ErrAccessDenied},
		{"presign from the future", pre, tm.Add(-time.Hour), ErrAccessDenied},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if err := tt.s.CheckTime(tt.now, 15*time.Minute); !errors.Is(err, tt.wantErr) || (tt.wantErr == nil && err != nil) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
		})
	}
}

func TestCanonicalQuery(t *testing.T) {
	t.Parallel()
	tests := []struct {
		raw, want string
		presign   bool
	}{
		{"", "", false},
		{"uploads", "uploads=", false},
		{"uploads=", "uploads=", false},
		{"x-id=PutObject&uploads", "uploads=&x-id=PutObject", false},
		{"b=2&a=2&a=1", "a=1&a=2&b=2", false},
		{"prefix=a+b", "prefix=a%20b", false},
		{"prefix=a%2Bb", "prefix=a%2Bb", false},
		{"prefix=%c3%bc", "prefix=%C3%BC", false},
		{"k=a~b_c-d.e", "k=a~b_c-d.e", false},
		{"k=a/b*c", "k=a%2Fb%2Ac", false},
		{"X-Amz-Signature=abc&X-Amz-Date=1", "X-Amz-Date=1", true},
		{"X-Amz-Signature=abc&X-Amz-Date=1", "X-Amz-Date=1&X-Amz-Signature=abc", false},
		{"a=1&&b=2", "a=1&b=2", false},
	}
	for _, tt := range tests {
		got, err := CanonicalQuery(tt.raw, tt.presign)
		if err != nil || got != tt.want {
			t.Errorf("CanonicalQuery(%q) = %q, %v; want %q", tt.raw, got, err, tt.want)
		}
	}
	if _, err := CanonicalQuery("a=%zz", false); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("bad escape: err = %v", err)
	}
}

func TestCanonicalURI(t *testing.T) {
	t.Parallel()
	tests := []struct{ requestURI, want string }{
		{"/b/a%20b%2Bc", "/b/a%20b%2Bc"},
		{"/b/a+b=c?x=1", "/b/a+b=c"},
		{"/b/%E6%97%A5", "/b/%E6%97%A5"},
		{"/b/./../k", "/b/./../k"},
		{"http://host:9000/b/k?q", "/b/k"},
		{"http://host", "/"},
		{"*", "/"},
	}
	for _, tt := range tests {
		r := &http.Request{RequestURI: tt.requestURI}
		if got := CanonicalURI(r); got != tt.want {
			t.Errorf("CanonicalURI(%q) = %q, want %q", tt.requestURI, got, tt.want)
		}
	}
}

func TestParseAmzDate(t *testing.T) {
	t.Parallel()
	for _, v := range []string{"20130524T000000Z", "20241231T235959Z", "20240229T120000Z"} {
		got, ok := parseAmzDate(v)
		want, err := time.Parse(TimeFormat, v)
		if !ok || err != nil || !got.Equal(want) {
			t.Errorf("parseAmzDate(%q) = %v, %v; want %v", v, got, ok, want)
		}
	}
	for _, v := range []string{"", "20130524T000000", "20130524 000000Z", "2013052aT000000Z", "20130230T000000Z", "20131324T000000Z", "20130524T246000Z", "20230229T000000Z"} {
		if _, ok := parseAmzDate(v); ok {
			t.Errorf("parseAmzDate(%q) accepted", v)
		}
	}
}

func TestAppendHeaderValue(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"plain":              "plain",
		"  trim me  ":        "trim me",
		"a   b    c":         "a b c",
		"tab\tkept":          "tab\tkept",
		" \t lead tab":       "lead tab",
		"x  \t  y":           "x \t y",
		"":                   "",
		"attempt=1; max=3":   "attempt=1; max=3",
		"many      spaces  ": "many spaces",
	} {
		if got := string(appendHeaderValue(nil, in)); got != want {
			t.Errorf("appendHeaderValue(%q) = %q, want %q", in, got, want)
		}
	}
}
