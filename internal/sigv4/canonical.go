package sigv4

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

const (
	maxQueryParams  = 1000
	maxCanonicalLen = 1 << 20 // bytes of canonical request we are willing to build
)

// CanonicalURI returns the path as the client sent it on the wire: S3 neither
// normalises nor re-encodes it. On the server it is taken from
// r.RequestURI; for a client-side request, from r.URL.EscapedPath(), which is
// what net/http will send.
func CanonicalURI(r *http.Request) string {
	if p := r.RequestURI; p != "" {
		if i := strings.IndexByte(p, '?'); i >= 0 {
			p = p[:i]
		}
		if !strings.HasPrefix(p, "/") {
			// absolute-form ("http://host/path") or "*"
			if i := strings.Index(p, "://"); i >= 0 {
				p = p[i+3:]
				if j := strings.IndexByte(p, '/'); j >= 0 {
					p = p[j:]
				} else {
					p = ""
				}
			} else {
				p = ""
			}
		}
		if p == "" {
			return "/"
		}
		return p
	}
	p := r.URL.EscapedPath()
	if p == "" {
		return "/"
	}
	return p
}

type queryParam struct{ k, v string }

// CanonicalQuery returns the canonical query string of a raw query: every
// name and value decoded, re-encoded with AWS's unreserved set, sorted by
// name then value; "a" and "a=" both give "a=". For presigned requests
// X-Amz-Signature is left out.
func CanonicalQuery(rawQuery string, presigned bool) (string, error) {
	b, err := appendCanonicalQuery(nil, rawQuery, presigned)
	return string(b), err
}

func appendCanonicalQuery(dst []byte, rawQuery string, presigned bool) ([]byte, error) {
	if rawQuery == "" {
		return dst, nil
	}
	var stack [16]queryParam
	params := stack[:0]
	for part := range strings.SplitSeq(rawQuery, "&") {
		if part == "" {
			continue
		}
		if len(params) >= maxQueryParams {
			return dst, fmt.Errorf("%w: more than %d query parameters", ErrInvalidArgument, maxQueryParams)
		}
		k, v, _ := strings.Cut(part, "=")
		k, err := encodeQueryComponent(k)
		if err != nil {
			return dst, err
		}
		if presigned && k == QuerySignature {
			continue
		}
		if v, err = encodeQueryComponent(v); err != nil {
			return dst, err
		}
		params = append(params, queryParam{k, v})
	}
	slices.SortFunc(params, func(a, b queryParam) int {
		if c := strings.Compare(a.k, b.k); c != 0 {
			return c
		}
		return strings.Compare(a.v, b.v)
	})
	for i, p := range params {
		if i > 0 {
			dst = append(dst, '&')
		}
		dst = append(dst, p.k...)
		dst = append(dst, '=')
		dst = append(dst, p.v...)
	}
	return dst, nil
}

// encodeQueryComponent decodes a query name or value ('+' is a space) and
// URI-encodes it with AWS's rules. Already-canonical input is returned as is.
func encodeQueryComponent(s string) (string, error) {
	canonical := true
	for i := 0; i < len(s); i++ {
		if !isUnreserved(s[i]) {
			canonical = false
			break
		}
	}
	if canonical {
		return s, nil
	}
	dec, err := url.QueryUnescape(s)
	if err != nil {
		return "", fmt.Errorf("%w: query parameter %q is not properly percent-encoded", ErrInvalidArgument, truncate(s))
	}
	return URIEncode(dec), nil
}

func isUnreserved(c byte) bool {
	return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' ||
		c == '-' || c == '_' || c == '.' || c == '~'
}

// URIEncode percent-encodes every byte outside A-Z a-z 0-9 - _ . ~ with
// upper-case hex, as SigV4 requires for query names and values.
func URIEncode(s string) string {
	const hexUpper = "0123456789ABCDEF"
	n := 0
	for i := 0; i < len(s); i++ {
		if !isUnreserved(s[i]) {
			n++
		}
	}
	if n == 0 {
		return s
	}
	b := make([]byte, 0, len(s)+2*n)
	for i := 0; i < len(s); i++ {
		c := s[i]
		if isUnreserved(c) {
			b = append(b, c)
		} else {
			b = append(b, '%', hexUpper[c>>4], hexUpper[c&15])
		}
	}
	return string(b)
}

// appendDerivedHeader appends the value of a signed header that net/http
// moves out of r.Header (Host, Content-Length, Transfer-Encoding), rebuilt
// from r.Host, r.ContentLength and r.TransferEncoding, and reports whether
// name was one of them. It writes straight into dst, so rebuilding costs no
// allocation.
func appendDerivedHeader(dst []byte, r *http.Request, name string) ([]byte, bool) {
	switch name {
	case "host":
		if len(r.Header["Host"]) > 0 {
			return dst, false
		}
		h := r.Host
		if h == "" && r.URL != nil {
			h = r.URL.Host
		}
		return appendHeaderValue(dst, h), true
	case "content-length":
		if len(r.Header["Content-Length"]) > 0 {
			return dst, false
		}
		if r.ContentLength < 0 {
			return dst, true
		}
		return strconv.AppendInt(dst, r.ContentLength, 10), true
	case "transfer-encoding":
		if len(r.Header["Transfer-Encoding"]) > 0 {
			return dst, false
		}
		for i, te := range r.TransferEncoding {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendHeaderValue(dst, te)
		}
		return dst, true
	}
	return dst, false
}

// headerValues returns the values of a signed header as the client sent them
// (see appendDerivedHeader for the three that net/http moves out of r.Header).
func headerValues(r *http.Request, name string, scratch []byte) []string {
	// Canonical MIME form of name, without allocating for short names.
	key := scratch[:0]
	upper := true
	for i := 0; i < len(name); i++ {
		c := name[i]
		if upper && 'a' <= c && c <= 'z' {
			c -= 'a' - 'A'
		}
		upper = c == '-'
		key = append(key, c)
	}
	if v, ok := r.Header[string(key)]; ok {
		return v
	}
	// Headers set directly in the map with non-canonical keys.
	for k, v := range r.Header {
		if strings.EqualFold(k, name) {
			return v
		}
	}
	return nil
}

// appendHeaderValue appends v trimmed, with runs of spaces collapsed into
// one (as the AWS SDKs do: only ' ' is collapsed, tabs are kept).
func appendHeaderValue(dst []byte, v string) []byte {
	v = strings.TrimSpace(v)
	if !strings.Contains(v, "  ") {
		return append(dst, v...)
	}
	space := false
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c == ' ' {
			if space {
				continue
			}
			space = true
		} else {
			space = false
		}
		dst = append(dst, c)
	}
	return dst
}

// appendCanonicalRequest appends the canonical request of r to dst.
func appendCanonicalRequest(dst []byte, r *http.Request, s *Signed) ([]byte, error) {
	dst = append(dst, r.Method...)
	dst = append(dst, '\n')
	dst = append(dst, CanonicalURI(r)...)
	dst = append(dst, '\n')
	var err error
	if dst, err = appendCanonicalQuery(dst, r.URL.RawQuery, s.Presigned); err != nil {
		return dst, err
	}
	dst = append(dst, '\n')
	var scratch [64]byte
	for name := range strings.SplitSeq(s.rawSignedHeaders, ";") {
		dst = append(dst, name...)
		dst = append(dst, ':')
		if d, ok := appendDerivedHeader(dst, r, name); ok {
			dst = d
		} else {
			for i, v := range headerValues(r, name, scratch[:]) {
				if i > 0 {
					dst = append(dst, ',')
				}
				dst = appendHeaderValue(dst, v)
			}
		}
		dst = append(dst, '\n')
		if len(dst) > maxCanonicalLen {
			return dst, fmt.Errorf("%w: signed headers exceed %d bytes", ErrInvalidRequest, maxCanonicalLen)
		}
	}
	dst = append(dst, '\n')
	dst = append(dst, s.rawSignedHeaders...)
	dst = append(dst, '\n')
	dst = append(dst, s.PayloadHash...)
	return dst, nil
}

// CanonicalRequest returns the canonical request the server computes for r,
// for diagnostics (it contains no secret).
func (s *Signed) CanonicalRequest(r *http.Request) (string, error) {
	b, err := appendCanonicalRequest(nil, r, s)
	return string(b), err
}

// appendStringToSign appends "AWS4-HMAC-SHA256\n<time>\n<scope>\n<hex hash>".
func appendStringToSign(dst []byte, amzDate, scope string, crHash [32]byte) []byte {
	dst = append(dst, Algorithm...)
	dst = append(dst, '\n')
	dst = append(dst, amzDate...)
	dst = append(dst, '\n')
	dst = append(dst, scope...)
	dst = append(dst, '\n')
	return hex.AppendEncode(dst, crHash[:])
}

// ScopeString returns the credential scope as the client sent it.
func (s *Signed) ScopeString() string {
	if s.rawScope != "" {
		return s.rawScope
	}
	return s.Scope.String()
}

// Verify recomputes the signature of r with key and compares it, in
// constant time, with the one the client sent. A mismatch wraps
// ErrSignatureDoesNotMatch. It does not read the body.
func (s *Signed) Verify(r *http.Request, key SigningKey) error {
	var stack [1024]byte
	cr, err := appendCanonicalRequest(stack[:0], r, s)
	if err != nil {
		return err
	}
	h := sha256.Sum256(cr)
	sts := appendStringToSign(cr[:0], s.AmzDate, s.ScopeString(), h)
	sig := hmacSHA256(key[:], sts)
	if !hmacEqual(sig[:], s.Signature[:]) {
		return fmt.Errorf("%w: check your secret access key and signing method", ErrSignatureDoesNotMatch)
	}
	return nil
}
