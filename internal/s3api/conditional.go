package s3api

import (
	"net/http"
	"strconv"
	"strings"
	"time"
)

// condResult is the outcome of a request's conditional headers.
type condResult int

const (
	condOK          condResult = iota
	condNotModified            // 304 (GET/HEAD only)
	condFailed                 // 412 PreconditionFailed
)

// checkConditions evaluates If-Match, If-Unmodified-Since, If-None-Match and
// If-Modified-Since (each name after prefix, e.g. "X-Amz-Copy-Source-") with
// S3's precedence: a true If-Match overrides a false If-Unmodified-Since, a
// false If-None-Match wins over a true If-Modified-Since. Unparsable dates are
// ignored. For copies (forCopy) a not-modified outcome is also 412.
func checkConditions(hdr http.Header, prefix string, forCopy bool, etag string, lastModified time.Time) condResult {
	modified := lastModified.Truncate(time.Second)
	notModified := condNotModified
	if forCopy {
		notModified = condFailed
	}
	if im := hdr.Get(prefix + "If-Match"); im != "" {
		if !etagListMatches(im, etag) {
			return condFailed
		}
	} else if t, ok := headerTime(hdr, prefix+"If-Unmodified-Since"); ok && modified.After(t) {
		return condFailed
	}
	if inm := hdr.Get(prefix + "If-None-Match"); inm != "" {
		if etagListMatches(inm, etag) {
			return notModified
		}
	} else if t, ok := headerTime(hdr, prefix+"If-Modified-Since"); ok && !modified.After(t) {
		return notModified
	}
	return condOK
}

func headerTime(hdr http.Header, name string) (time.Time, bool) {
	v := hdr.Get(name)
	if v == "" {
		return time.Time{}, false
	}
	t, err := http.ParseTime(v)
	if err != nil {
		return time.Time{}, false
	}
	return t, true
}

// etagListMatches reports whether a comma-separated list of entity tags
// (quoted or not, weak or strong, or "*") names etag.
func etagListMatches(list, etag string) bool {
	want := bareETag(etag)
	for _, t := range strings.Split(list, ",") {
		t = strings.TrimSpace(t)
		if t == "*" || (t != "" && bareETag(t) == want) {
			return true
		}
	}
	return false
}

func bareETag(t string) string {
	t = strings.TrimPrefix(strings.TrimSpace(t), "W/")
	return strings.Trim(t, `"`)
}

// quoteETag normalises an entity tag to S3's quoted form.
func quoteETag(t string) string { return `"` + bareETag(t) + `"` }

// byteRange is a satisfiable range of an object.
type byteRange struct {
	start, length int64
}

// contentRange is the Content-Range header value for r of an object of size.
func (r byteRange) contentRange(size int64) string {
	return "bytes " + strconv.FormatInt(r.start, 10) + "-" + strconv.FormatInt(r.start+r.length-1, 10) + "/" + strconv.FormatInt(size, 10)
}

// parseRange interprets a Range header for an object of size as S3 does: one
// range "bytes=a-b", "bytes=a-" or "bytes=-n". It returns nil (send the whole
// object) when the header is absent, malformed or names several ranges, and
// InvalidRange when the range cannot be satisfied.
func parseRange(v string, size int64) (*byteRange, error) {
	spec, ok := strings.CutPrefix(strings.TrimSpace(v), "bytes=")
	if !ok || strings.Contains(spec, ",") {
		return nil, nil
	}
	first, last, ok := strings.Cut(strings.TrimSpace(spec), "-")
	if !ok {
		return nil, nil
	}
	unsatisfiable := apiErrorf(codeInvalidRange, "The requested range %q is not satisfiable for an object of %d bytes.", v, size)
	if first == "" {
		n, err := parseOffset(last)
		if err != nil {
			return nil, nil
		}
		if n == 0 || size == 0 {
			return nil, unsatisfiable
		}
		n = min(n, size)
		return &byteRange{start: size - n, length: n}, nil
	}
	a, err := parseOffset(first)
	if err != nil {
		return nil, nil
	}
	end := size - 1
	if last != "" {
		b, err := parseOffset(last)
		if err != nil || b < a {
			return nil, nil
		}
		end = min(b, size-1)
	}
	if a >= size {
		return nil, unsatisfiable
	}
	return &byteRange{start: a, length: end - a + 1}, nil
}

// parseCopySourceRange parses x-amz-copy-source-range, which must be exactly
// "bytes=first-last" within the source object.
func parseCopySourceRange(v string, size int64) (*byteRange, error) {
	spec, ok := strings.CutPrefix(v, "bytes=")
	first, last, ok2 := strings.Cut(spec, "-")
	a, err1 := parseOffset(first)
	b, err2 := parseOffset(last)
	if !ok || !ok2 || err1 != nil || err2 != nil || b < a {
		return nil, apiErrorf(codeInvalidArgument, "The x-amz-copy-source-range value must be of the form bytes=first-last where first and last are the zero-based offsets of the first and last bytes to copy; got %q.", v)
	}
	if b >= size {
		return nil, apiErrorf(codeInvalidRange, "Range specified is not valid for source object of size: %d.", size)
	}
	return &byteRange{start: a, length: b - a + 1}, nil
}

func parseOffset(s string) (int64, error) {
	s = strings.TrimSpace(s)
	if s == "" || s[0] == '+' || s[0] == '-' {
		return 0, strconv.ErrSyntax
	}
	return strconv.ParseInt(s, 10, 64)
}
