package s3api

import (
	"errors"
	"net/http"
	"testing"
	"time"
)

func TestCheckConditions(t *testing.T) {
	t.Parallel()
	mod := time.Date(2026, 11, 1, 12, 0, 0, 500e6, time.UTC)
	before := mod.Add(-time.Hour).Format(http.TimeFormat)
	at := mod.Format(http.TimeFormat) // same second: not modified since
	after := mod.Add(time.Hour).Format(http.TimeFormat)
	const etag = `"abc"`
	tests := []struct {
		name    string
		hdr     map[string]string
		forCopy bool
		want    condResult
	}{
		{"none", nil, false, condOK},
		{"if-match ok", map[string]string{"If-Match": `"abc"`}, false, condOK},
		{"if-match unquoted", map[string]string{"If-Match": `abc`}, false, condOK},
		{"if-match list", map[string]string{"If-Match": `"x", "abc"`}, false, condOK},
		{"if-match star", map[string]string{"If-Match": `*`}, false, condOK},
		{"if-match fails", map[string]string{"If-Match": `"x"`}, false, condFailed},
		{"if-unmodified-since fails", map[string]string{"If-Unmodified-Since": before}, false, condFailed},
		{"if-unmodified-since same second", map[string]string{"If-Unmodified-Since": at}, false, condOK},
		{"if-unmodified-since ok", map[string]string{"If-Unmodified-Since": after}, false, condOK},
		{"if-match true beats if-unmodified-since false", map[string]string{"If-Match": etag, "If-Unmodified-Since": before}, false, condOK},
		{"if-none-match match", map[string]string{"If-None-Match": etag}, false, condNotModified},
		{"if-none-match weak", map[string]string{"If-None-Match": `W/"abc"`}, false, condNotModified},
		{"if-none-match other", map[string]string{"If-None-Match": `"x"`}, false, condOK},
		{"if-modified-since not modified", map[string]string{"If-Modified-Since": at}, false, condNotModified},
		{"if-modified-since modified", map[string]string{"If-Modified-Since": before}, false, condOK},
		{"if-none-match false beats if-modified-since true", map[string]string{"If-None-Match": etag, "If-Modified-Since": before}, false, condNotModified},
		{"if-none-match true beats if-modified-since false", map[string]string{"If-None-Match": `"x"`, "If-Modified-Since": after}, false, condOK},
		{"if-match fails before if-none-match", map[string]string{"If-Match": `"x"`, "If-None-Match": etag}, false, condFailed},
		{"bad date ignored", map[string]string{"If-Modified-Since": "yesterday"}, false, condOK},
		{"copy if-match fails", map[string]string{"X-Amz-Copy-Source-If-Match": `"x"`}, true, condFailed},
		{"copy if-none-match is 412", map[string]string{"X-Amz-Copy-Source-If-None-Match": etag}, true, condFailed},
		{"copy if-modified-since is 412", map[string]string{"X-Amz-Copy-Source-If-Modified-Since": after}, true, condFailed},
		{"copy if-match true beats unmodified-since", map[string]string{"X-Amz-Copy-Source-If-Match": etag, "X-Amz-Copy-Source-If-Unmodified-Since": before}, true, condOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			hdr := http.Header{}
			for k, v := range tt.hdr {
				hdr.Set(k, v)
			}
			prefix := ""
			if tt.forCopy {
				prefix = "X-Amz-Copy-Source-"
			}
			if got := checkConditions(hdr, prefix, tt.forCopy, etag, mod); got != tt.want {
				t.Errorf("got %d, want %d", got, tt.want)
			}
		})
	}
}

func TestParseRange(t *testing.T) {
	t.Parallel()
	tests := []struct {
		header string
		size   int64
		want   *byteRange // nil: whole object
		bad    bool       // InvalidRange
		cr     string
	}{
		{"", 10, nil, false, ""},
		{"bytes=0-3", 10, &byteRange{0, 4}, false, "bytes 0-3/10"},
		{"bytes=2-", 10, &byteRange{2, 8}, false, "bytes 2-9/10"},
		{"bytes=-3", 10, &byteRange{7, 3}, false, "bytes 7-9/10"},
		{"bytes=-30", 10, &byteRange{0, 10}, false, "bytes 0-9/10"},
		{"bytes=5-100", 10, &byteRange{5, 5}, false, "bytes 5-9/10"},
		{"bytes=9-9", 10, &byteRange{9, 1}, false, "bytes 9-9/10"},
		{"bytes=10-", 10, nil, true, ""},
		{"bytes=10-20", 10, nil, true, ""},
		{"bytes=-0", 10, nil, true, ""},
		{"bytes=0-", 0, nil, true, ""},
		{"bytes=-5", 0, nil, true, ""},
		{"bytes=5-2", 10, nil, false, ""},
		{"bytes=0-1,3-4", 10, nil, false, ""},
		{"bytes=a-b", 10, nil, false, ""},
		{"items=0-1", 10, nil, false, ""},
		{"bytes=--1", 10, nil, false, ""},
		{"bytes=+1-2", 10, nil, false, ""},
	}
	for _, tt := range tests {
		got, err := parseRange(tt.header, tt.size)
		var ae *apiError
		if tt.bad {
			if !errors.As(err, &ae) || ae.code != codeInvalidRange {
				t.Errorf("%q/%d: err %v, want InvalidRange", tt.header, tt.size, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%q/%d: %v", tt.header, tt.size, err)
			continue
		}
		if (got == nil) != (tt.want == nil) || got != nil && *got != *tt.want {
			t.Errorf("%q/%d = %+v, want %+v", tt.header, tt.size, got, tt.want)
		}
		if got != nil && got.contentRange(tt.size) != tt.cr {
			t.Errorf("%q: Content-Range %q, want %q", tt.header, got.contentRange(tt.size), tt.cr)
		}
	}
}

func TestParseCopySourceRange(t *testing.T) {
	t.Parallel()
	tests := []struct {
		v    string
		want *byteRange
		code string
	}{
		{"bytes=0-4", &byteRange{0, 5}, ""},
		{"bytes=5-9", &byteRange{5, 5}, ""},
		{"bytes=5-10", nil, "InvalidRange"},
		{"bytes=5-", nil, "InvalidArgument"},
		{"bytes=-5", nil, "InvalidArgument"},
		{"bytes=4-3", nil, "InvalidArgument"},
		{"0-3", nil, "InvalidArgument"},
	}
	for _, tt := range tests {
		got, err := parseCopySourceRange(tt.v, 10)
		if tt.code != "" {
			var ae *apiError
			if !errors.As(err, &ae) || ae.code.name() != tt.code {
				t.Errorf("%q: err %v, want %s", tt.v, err, tt.code)
			}
			continue
		}
		if err != nil || *got != *tt.want {
			t.Errorf("%q = %+v, %v; want %+v", tt.v, got, err, tt.want)
		}
	}
}
