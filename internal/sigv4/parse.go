package sigv4

import (
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Wire constants.
const (
	Algorithm      = "AWS4-HMAC-SHA256"
	algorithmV4A   = "AWS4-ECDSA-P256-SHA256"
	TimeFormat     = "20060102T150405Z"
	DateFormat     = "20060102"
	scopeTerminal  = "aws4_request"
	MaxPresignTime = 7 * 24 * time.Hour

	UnsignedPayload          = "UNSIGNED-PAYLOAD"
	StreamingPayload         = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"
	StreamingPayloadTrailer  = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER"
	StreamingUnsignedTrailer = "STREAMING-UNSIGNED-PAYLOAD-TRAILER"

	// EmptySHA256 is the hex SHA-256 of the empty string.
	EmptySHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

	maxAuthHeader = 8 << 10 // bytes in an Authorization header we parse
)

// Query parameter names of presigned requests.
const (
	QueryAlgorithm     = "X-Amz-Algorithm"
	QueryCredential    = "X-Amz-Credential"
	QueryDate          = "X-Amz-Date"
	QueryExpires       = "X-Amz-Expires"
	QuerySignedHeaders = "X-Amz-SignedHeaders"
	QuerySignature     = "X-Amz-Signature"
	QuerySecurityToken = "X-Amz-Security-Token"
)

// Scope is the credential scope: date/region/service/aws4_request.
type Scope struct {
	Date    string // yyyymmdd
	Region  string
	Service string
}

// String returns the scope as it appears in the string to sign.
func (s Scope) String() string {
	return s.Date + "/" + s.Region + "/" + s.Service + "/" + scopeTerminal
}

// Credential is the parsed Credential= value: the access key and its scope.
type Credential struct {
	AccessKey string
	Scope     Scope
	// raw scope text as sent ("20130524/us-east-1/s3/aws4_request").
	rawScope string
}

// ParseCredential parses "AKID/20130524/us-east-1/s3/aws4_request". The
// error wraps ErrAuthorizationHeaderMalformed.
func ParseCredential(v string) (Credential, error) {
	return parseCredential(v, ErrAuthorizationHeaderMalformed)
}

func parseCredential(v string, kind error) (Credential, error) {
	// Split from the right: the access key is everything before the scope.
	parts := make([]string, 0, 5)
	rest := v
	for range 4 {
		i := strings.LastIndexByte(rest, '/')
		if i < 0 {
			return Credential{}, fmt.Errorf("%w: credential %q must have the form ACCESS_KEY/yyyymmdd/region/service/aws4_request", kind, truncate(v))
		}
		parts = append(parts, rest[i+1:])
		rest = rest[:i]
	}
	term, service, region, date := parts[0], parts[1], parts[2], parts[3]
	switch {
	case rest == "":
		return Credential{}, fmt.Errorf("%w: credential has an empty access key", kind)
	case term != scopeTerminal:
		return Credential{}, fmt.Errorf("%w: credential scope must end in %q, not %q", kind, scopeTerminal, truncate(term))
	case service == "":
		return Credential{}, fmt.Errorf("%w: credential has an empty service", kind)
	case region == "":
		return Credential{}, fmt.Errorf("%w: credential has an empty region", kind)
	}
	if !isDate(date) {
		return Credential{}, fmt.Errorf("%w: credential date %q is not yyyymmdd", kind, truncate(date))
	}
	return Credential{
		AccessKey: rest,
		Scope:     Scope{Date: date, Region: region, Service: service},
		rawScope:  v[len(rest)+1:],
	}, nil
}

func isDate(s string) bool {
	if len(s) != 8 {
		return false
	}
	var buf [16]byte
	copy(buf[:], s)
	copy(buf[8:], "T000000Z")
	_, ok := parseAmzDate(string(buf[:]))
	return ok
}

// Authorization is a parsed "AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=..." header.
type Authorization struct {
	Credential    Credential
	SignedHeaders []string
	// rawSignedHeaders is the SignedHeaders value as sent.
	rawSignedHeaders string
	Signature        [32]byte
}

// ParseAuthorization parses an AWS4-HMAC-SHA256 Authorization header, with or
// without spaces after the commas, components in any order. Errors wrap
// ErrAuthorizationHeaderMalformed, or ErrNotImplemented for SigV2 / SigV4a.
func ParseAuthorization(h string) (Authorization, error) {
	var a Authorization
	err := parseAuthorization(h, &a)
	if a.rawSignedHeaders != "" { // checked
		a.SignedHeaders = strings.Split(a.rawSignedHeaders, ";")
	}
	return a, err
}

// parseAuthorization is ParseAuthorization into *a but for SignedHeaders:
// the value is checked and kept in a.rawSignedHeaders.
func parseAuthorization(h string, a *Authorization) error {
	if len(h) > maxAuthHeader {
		return fmt.Errorf("%w: header longer than %d bytes", ErrAuthorizationHeaderMalformed, maxAuthHeader)
	}
	alg, rest, ok := strings.Cut(strings.TrimSpace(h), " ")
	switch {
	case alg == Algorithm && ok:
	case alg == Algorithm:
		return fmt.Errorf("%w: missing Credential, SignedHeaders and Signature", ErrAuthorizationHeaderMalformed)
	case alg == "AWS" || alg == algorithmV4A:
		return fmt.Errorf("%w: authorization algorithm %q is not supported; use %s", ErrNotImplemented, alg, Algorithm)
	default:
		return fmt.Errorf("%w: unsupported authorization type %q; expected %s", ErrAuthorizationHeaderMalformed, truncate(alg), Algorithm)
	}
	var cred, signed, sig string
	var seen [3]bool
	for part := range strings.SplitSeq(rest, ",") {
		part = strings.TrimSpace(part)
		name, val, ok := strings.Cut(part, "=")
		if !ok {
			return fmt.Errorf("%w: component %q is not name=value", ErrAuthorizationHeaderMalformed, truncate(part))
		}
		var idx int
		switch name {
		case "Credential":
			idx, cred = 0, val
		case "SignedHeaders":
			idx, signed = 1, val
		case "Signature":
			idx, sig = 2, val
		default:
			return fmt.Errorf("%w: unknown component %q", ErrAuthorizationHeaderMalformed, truncate(name))
		}
		if seen[idx] {
			return fmt.Errorf("%w: component %s given twice", ErrAuthorizationHeaderMalformed, name)
		}
		seen[idx] = true
	}
	for i, name := range [...]string{"Credential", "SignedHeaders", "Signature"} {
		if !seen[i] {
			return fmt.Errorf("%w: missing %s", ErrAuthorizationHeaderMalformed, name)
		}
	}
	var err error
	if a.Credential, err = parseCredential(cred, ErrAuthorizationHeaderMalformed); err != nil {
		return err
	}
	if err = checkSignedHeaders(signed, ErrAuthorizationHeaderMalformed); err != nil {
		return err
	}
	a.rawSignedHeaders = signed
	if a.Signature, err = parseSignature(sig, ErrAuthorizationHeaderMalformed); err != nil {
		return err
	}
	return nil
}

// checkSignedHeaders checks "host;range;x-amz-date": lower-case header
// names, sorted, no duplicates, host included.
// It keeps no list of the names (Signed.SignedHeaders makes one).
func checkSignedHeaders(v string, kind error) error {
	if v == "" {
		return fmt.Errorf("%w: SignedHeaders is empty", kind)
	}
	hasHost := false
	prev, first := "", true
	for n := range strings.SplitSeq(v, ";") {
		if n == "" {
			return fmt.Errorf("%w: SignedHeaders %q has an empty name", kind, truncate(v))
		}
		for j := 0; j < len(n); j++ {
			c := n[j]
			if !isTokenChar(c) || ('A' <= c && c <= 'Z') {
				return fmt.Errorf("%w: SignedHeaders name %q is not a lower-case header name", kind, truncate(n))
			}
		}
		if !first && prev >= n {
			return fmt.Errorf("%w: SignedHeaders must be sorted and unique (%q after %q)", kind, truncate(n), truncate(prev))
		}
		if n == "host" {
			hasHost = true
		}
		prev, first = n, false
	}
	if !hasHost {
		return fmt.Errorf("%w: SignedHeaders must include host", kind)
	}
	return nil
}

func isTokenChar(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	switch c {
	case '!', '#', '$', '%', '&', '\'', '*', '+', '-', '.', '^', '_', '`', '|', '~':
		return true
	}
	return false
}

// parseAmzDate parses yyyymmddThhmmssZ without the generic layout machinery.
func parseAmzDate(v string) (time.Time, bool) {
	if len(v) != 16 || v[8] != 'T' || v[15] != 'Z' {
		return time.Time{}, false
	}
	num := func(s string) (int, bool) {
		n := 0
		for i := 0; i < len(s); i++ {
			if s[i] < '0' || s[i] > '9' {
				return 0, false
			}
			n = n*10 + int(s[i]-'0')
		}
		return n, true
	}
	var f [6]int
	for i, span := range [6][2]int{{0, 4}, {4, 6}, {6, 8}, {9, 11}, {11, 13}, {13, 15}} {
		n, ok := num(v[span[0]:span[1]])
		if !ok {
			return time.Time{}, false
		}
		f[i] = n
	}
	t := time.Date(f[0], time.Month(f[1]), f[2], f[3], f[4], f[5], 0, time.UTC)
	// Reject out-of-range fields that time.Date would normalise.
	if t.Year() != f[0] || int(t.Month()) != f[1] || t.Day() != f[2] || t.Hour() != f[3] || t.Minute() != f[4] || t.Second() != f[5] {
		return time.Time{}, false
	}
	return t, true
}

func parseSignature(v string, kind error) ([32]byte, error) {
	var sig [32]byte
	if len(v) != 64 {
		return sig, fmt.Errorf("%w: Signature must be 64 hexadecimal characters, got %d characters", kind, len(v))
	}
	if _, err := hex.Decode(sig[:], []byte(v)); err != nil {
		return sig, fmt.Errorf("%w: Signature is not hexadecimal", kind)
	}
	return sig, nil
}

// Signed is everything a signed request declares about its signature.
type Signed struct {
	Presigned bool
	AccessKey string
	Scope     Scope
	// Signature is the decoded signature the client sent.
	Signature [32]byte
	// Time is the request time (X-Amz-Date, or Date).
	Time time.Time
	// AmzDate is Time as it appears in the string to sign.
	AmzDate string
	// Expires is X-Amz-Expires (presigned requests only).
	Expires time.Duration
	// SecurityToken is X-Amz-Security-Token from the header or query.
	SecurityToken string
	// PayloadHash is the last line of the canonical request:
	// x-amz-content-sha256, or UNSIGNED-PAYLOAD for presigned requests
	// without it.
	PayloadHash string

	rawScope string
	// rawSignedHeaders is the checked SignedHeaders list as sent
	// ("host;x-amz-date"): a Signed holds no slice, so that it can live on
	// its caller's stack.
	rawSignedHeaders string
}

// SignedHeaders returns the names of the signed headers, sorted.
func (s *Signed) SignedHeaders() []string { return strings.Split(s.rawSignedHeaders, ";") }

// malformed is the sentinel for a malformed auth component.
func (s *Signed) malformed() error {
	if s.Presigned {
		return ErrAuthorizationQueryParametersError
	}
	return ErrAuthorizationHeaderMalformed
}

// Malformed returns the sentinel that a malformed part of this request's
// authentication maps to: AuthorizationQueryParametersError for presigned
// requests, AuthorizationHeaderMalformed otherwise.
func (s *Signed) Malformed() error { return s.malformed() }

// ParseRequest extracts the SigV4 authentication of r: the Authorization
// header, or the presigned query. It returns (nil, nil) for an anonymous
// request (no Authorization header, no X-Amz-Credential / X-Amz-Algorithm /
// X-Amz-Signature in the query). It does not look at the body.
func ParseRequest(r *http.Request) (*Signed, error) {
	m, err := authMode(r)
	if err != nil || m == authNone {
		return nil, err
	}
	s := new(Signed)
	if err := s.parse(r, m); err != nil {
		return nil, err
	}
	return s, nil
}

// ParseRequestInto is ParseRequest filling *s (which the caller may keep
// on its stack) instead of allocating a Signed: ok is false for an
// anonymous request. After an error *s is in no particular state.
func ParseRequestInto(r *http.Request, s *Signed) (ok bool, err error) {
	m, err := authMode(r)
	if err != nil || m == authNone {
		return false, err
	}
	*s = Signed{}
	return true, s.parse(r, m)
}

// How a request authenticates.
const (
	authNone    = iota // anonymous
	authHeader         // Authorization header
	authPresign        // presigned query
)

func authMode(r *http.Request) (int, error) {
	auth := r.Header["Authorization"]
	presign := hasPresignParams(r.URL.RawQuery)
	switch {
	case len(auth) > 1:
		return authNone, fmt.Errorf("%w: more than one Authorization header", ErrAuthorizationHeaderMalformed)
	case len(auth) == 1 && presign:
		return authNone, fmt.Errorf("%w: only one auth mechanism allowed; send either the Authorization header or the X-Amz-Algorithm query parameters", ErrInvalidArgument)
	case len(auth) == 1:
		return authHeader, nil
	case presign:
		return authPresign, nil
	}
	return authNone, nil
}

func (s *Signed) parse(r *http.Request, mode int) error {
	if mode == authHeader {
		return parseHeaderAuth(r, r.Header["Authorization"][0], s)
	}
	return parsePresign(r, s)
}

func hasPresignParams(rawQuery string) bool {
	if rawQuery == "" {
		return false
	}
	for part := range strings.SplitSeq(rawQuery, "&") {
		name, _, _ := strings.Cut(part, "=")
		switch name {
		case QueryAlgorithm, QueryCredential, QuerySignature:
			return true
		}
	}
	return false
}

func parseHeaderAuth(r *http.Request, h string, s *Signed) error {
	var a Authorization
	if err := parseAuthorization(h, &a); err != nil {
		return err
	}
	s.AccessKey = a.Credential.AccessKey
	s.Scope = a.Credential.Scope
	s.Signature = a.Signature
	s.rawScope = a.Credential.rawScope
	s.rawSignedHeaders = a.rawSignedHeaders
	s.SecurityToken = firstHeader(r.Header, "X-Amz-Security-Token")
	if v := firstHeader(r.Header, "X-Amz-Date"); v != "" {
		t, ok := parseAmzDate(v)
		if !ok {
			return fmt.Errorf("%w: X-Amz-Date %q is not in the form yyyymmddThhmmssZ", ErrAccessDenied, truncate(v))
		}
		s.Time, s.AmzDate = t, v
	} else if v := r.Header.Get("Date"); v != "" {
		t, err := http.ParseTime(v)
		if err != nil {
			return fmt.Errorf("%w: Date %q is not an HTTP date", ErrAccessDenied, truncate(v))
		}
		s.Time = t.UTC()
		s.AmzDate = s.Time.Format(TimeFormat)
	} else {
		return fmt.Errorf("%w: AWS authentication requires a valid Date or x-amz-date header", ErrAccessDenied)
	}
	if s.AmzDate[:8] != s.Scope.Date {
		return fmt.Errorf("%w: invalid credential date %q; it is not the same as the request date %q", ErrAuthorizationHeaderMalformed, s.Scope.Date, s.AmzDate[:8])
	}
	s.PayloadHash = firstHeader(r.Header, "X-Amz-Content-Sha256")
	if s.PayloadHash == "" {
		return fmt.Errorf("%w: missing required header for this request: x-amz-content-sha256", ErrInvalidRequest)
	}
	if err := checkPayloadHash(s.PayloadHash); err != nil {
		return err
	}
	return nil
}

// checkPayloadHash accepts the values x-amz-content-sha256 may take.
func checkPayloadHash(v string) error {
	switch v {
	case UnsignedPayload, StreamingPayload, StreamingPayloadTrailer, StreamingUnsignedTrailer:
		return nil
	case "STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD", "STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD-TRAILER":
		return fmt.Errorf("%w: x-amz-content-sha256 %s (SigV4a) is not supported", ErrNotImplemented, v)
	}
	if isHexSHA256(v) {
		return nil
	}
	return fmt.Errorf("%w: x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-AWS4-HMAC-SHA256-PAYLOAD, STREAMING-UNSIGNED-PAYLOAD-TRAILER, STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER or a valid sha256 value", ErrInvalidArgument)
}

func isHexSHA256(v string) bool {
	if len(v) != 64 {
		return false
	}
	for i := 0; i < len(v); i++ {
		c := v[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

var errPresignParams = errors.New("query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters")

func parsePresign(r *http.Request, s *Signed) error {
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return fmt.Errorf("%w: malformed query string", ErrAuthorizationQueryParametersError)
	}
	kind := ErrAuthorizationQueryParametersError
	get := func(name string) (string, error) {
		v := q[name]
		switch {
		case len(v) == 0 || v[0] == "":
			return "", fmt.Errorf("%w: %v (%s is missing)", kind, errPresignParams, name)
		case len(v) > 1:
			return "", fmt.Errorf("%w: %s given more than once", kind, name)
		}
		return v[0], nil
	}
	alg, err := get(QueryAlgorithm)
	if err != nil {
		return err
	}
	switch alg {
	case Algorithm:
	case algorithmV4A:
		return fmt.Errorf("%w: X-Amz-Algorithm %s is not supported", ErrNotImplemented, alg)
	default:
		return fmt.Errorf("%w: X-Amz-Algorithm only supports %q, not %q", kind, Algorithm, truncate(alg))
	}
	var vals [5]string
	for i, name := range [...]string{QueryCredential, QueryDate, QueryExpires, QuerySignedHeaders, QuerySignature} {
		if vals[i], err = get(name); err != nil {
			return err
		}
	}
	s.Presigned = true
	cred, err := parseCredential(vals[0], kind)
	if err != nil {
		return err
	}
	s.AccessKey, s.Scope, s.rawScope = cred.AccessKey, cred.Scope, cred.rawScope
	var ok bool
	if s.Time, ok = parseAmzDate(vals[1]); !ok {
		return fmt.Errorf("%w: X-Amz-Date %q must be in the ISO8601 long format yyyymmddThhmmssZ", kind, truncate(vals[1]))
	}
	s.AmzDate = vals[1]
	if s.AmzDate[:8] != s.Scope.Date {
		return fmt.Errorf("%w: invalid credential date %q; it is not the same as X-Amz-Date %q", kind, s.Scope.Date, s.AmzDate[:8])
	}
	secs, err := strconv.ParseInt(vals[2], 10, 64)
	switch {
	case err != nil:
		return fmt.Errorf("%w: X-Amz-Expires %q is not a number of seconds", kind, truncate(vals[2]))
	case secs < 0:
		return fmt.Errorf("%w: X-Amz-Expires must be non-negative", kind)
	case secs == 0:
		return fmt.Errorf("%w: X-Amz-Expires must be at least 1 second", kind)
	case secs > int64(MaxPresignTime/time.Second):
		return fmt.Errorf("%w: X-Amz-Expires must be less than a week (in seconds) that is 604800", kind)
	}
	s.Expires = time.Duration(secs) * time.Second
	if err = checkSignedHeaders(vals[3], kind); err != nil {
		return err
	}
	s.rawSignedHeaders = vals[3]
	if s.Signature, err = parseSignature(vals[4], kind); err != nil {
		return err
	}
	if v := q[QuerySecurityToken]; len(v) > 0 {
		if len(v) > 1 {
			return fmt.Errorf("%w: %s given more than once", kind, QuerySecurityToken)
		}
		s.SecurityToken = v[0]
	} else {
		s.SecurityToken = r.Header.Get("X-Amz-Security-Token")
	}
	s.PayloadHash = r.Header.Get("X-Amz-Content-Sha256")
	if s.PayloadHash == "" {
		s.PayloadHash = UnsignedPayload
	}
	if err := checkPayloadHash(s.PayloadHash); err != nil {
		return err
	}
	return nil
}

// CheckTime enforces the time rules: for the Authorization header the request
// time must be within maxSkew of now (ErrRequestTimeTooSkewed); a presigned
// request must not have expired (ErrAccessDenied "Request has expired") nor
// start more than maxSkew in the future.
func (s *Signed) CheckTime(now time.Time, maxSkew time.Duration) error {
	if s.Presigned {
		if now.After(s.Time.Add(s.Expires)) {
			return fmt.Errorf("%w: Request has expired (X-Amz-Date %s, X-Amz-Expires %d)", ErrAccessDenied, s.AmzDate, int64(s.Expires/time.Second))
		}
		if s.Time.Sub(now) > maxSkew {
			return fmt.Errorf("%w: Request is not valid yet (X-Amz-Date %s is in the future)", ErrAccessDenied, s.AmzDate)
		}
		return nil
	}
	d := now.Sub(s.Time)
	if d > maxSkew || -d > maxSkew {
		return fmt.Errorf("%w: request time %s, server time %s, maximum allowed difference %s",
			ErrRequestTimeTooSkewed, s.AmzDate, now.UTC().Format(TimeFormat), maxSkew)
	}
	return nil
}

// truncate keeps client-controlled text in error messages short.
func truncate(s string) string {
	const max = 64
	if len(s) > max {
		return s[:max] + "..."
	}
	return s
}

// firstHeader is h.Get for a key already in canonical form (no allocation).
func firstHeader(h http.Header, canonicalKey string) string {
	if v := h[canonicalKey]; len(v) > 0 {
		return v[0]
	}
	return ""
}
