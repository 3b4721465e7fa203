package sigv4

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

func hmacEqual(a, b []byte) bool { return hmac.Equal(a, b) }

// PayloadHash returns the hex SHA-256 of body, the value of
// x-amz-content-sha256 for a signed payload.
func PayloadHash(body []byte) string {
	h := sha256.Sum256(body)
	return hex.EncodeToString(h[:])
}

// unsignedHeaders are never signed (as in the AWS SDKs).
func skipSigning(name string) bool {
	switch name {
	case "authorization", "user-agent", "x-amzn-trace-id", "expect", "transfer-encoding", "connection", "accept-encoding":
		return true
	}
	return false
}

// SignRequest signs r in place with the Authorization header, for fedstore's
// own Go clients (the admin CLI). It sets X-Amz-Date and
// X-Amz-Content-Sha256 (payloadHash: a hex SHA-256 from PayloadHash, or
// UNSIGNED-PAYLOAD) and signs host, content-length (when r.ContentLength >
// 0) and every header already set on r; to use temporary credentials set
// X-Amz-Security-Token before calling. r.URL's path is signed as it will be
// sent (r.URL.EscapedPath()).
func SignRequest(r *http.Request, accessKey, secretKey, region, service, payloadHash string, t time.Time) error {
	if accessKey == "" || secretKey == "" || region == "" || service == "" {
		return fmt.Errorf("%w: access key, secret key, region and service are required", ErrInvalidArgument)
	}
	if payloadHash == "" {
		return fmt.Errorf("%w: payload hash is required (use PayloadHash or UNSIGNED-PAYLOAD)", ErrInvalidArgument)
	}
	if err := checkPayloadHash(payloadHash); err != nil {
		return err
	}
	t = t.UTC()
	if r.Header == nil {
		r.Header = make(http.Header)
	}
	r.Header.Del("Authorization")
	r.Header.Set("X-Amz-Date", t.Format(TimeFormat))
	r.Header.Set("X-Amz-Content-Sha256", payloadHash)
	if r.Host == "" {
		r.Host = r.URL.Host
	}
	names := []string{"host"}
	if r.ContentLength > 0 {
		names = append(names, "content-length")
	}
	for k := range r.Header {
		n := strings.ToLower(k)
		if skipSigning(n) || n == "host" || n == "content-length" {
			continue
		}
		if !validHeaderName(n) {
			// No HTTP request can carry it, and SignedHeaders could not
			// name it unambiguously ("y " reads as "y").
			return fmt.Errorf("%w: header name %q is not an HTTP token", ErrInvalidArgument, truncate(k))
		}
		names = append(names, n)
	}
	slices.Sort(names)
	names = slices.Compact(names)
	s := &Signed{
		AccessKey:        accessKey,
		Scope:            Scope{Date: t.Format(DateFormat), Region: region, Service: service},
		AmzDate:          t.Format(TimeFormat),
		Time:             t,
		PayloadHash:      payloadHash,
		rawSignedHeaders: strings.Join(names, ";"),
	}
	sig, err := s.sign(r, DeriveKey(secretKey, s.Scope.Date, region, service))
	if err != nil {
		return err
	}
	r.Header.Set("Authorization", Algorithm+" Credential="+accessKey+"/"+s.Scope.String()+
		", SignedHeaders="+s.rawSignedHeaders+", Signature="+hex.EncodeToString(sig[:]))
	return nil
}

// PresignRequest turns r into a presigned request valid for expires: it adds
// the X-Amz-* query parameters (sessionToken, if any, as
// X-Amz-Security-Token) and returns the URL to hand out. Only host is signed.
func PresignRequest(r *http.Request, accessKey, secretKey, sessionToken, region, service string, t time.Time, expires time.Duration) (string, error) {
	if expires < time.Second || expires > MaxPresignTime {
		return "", fmt.Errorf("%w: expiry must be between 1s and 7 days", ErrInvalidArgument)
	}
	t = t.UTC()
	if r.Host == "" {
		r.Host = r.URL.Host
	}
	scope := Scope{Date: t.Format(DateFormat), Region: region, Service: service}
	q := r.URL.Query()
	q.Del(QuerySignature)
	q.Set(QueryAlgorithm, Algorithm)
	q.Set(QueryCredential, accessKey+"/"+scope.String())
	q.Set(QueryDate, t.Format(TimeFormat))
	q.Set(QueryExpires, strconv.FormatInt(int64(expires/time.Second), 10))
	q.Set(QuerySignedHeaders, "host")
	if sessionToken != "" {
		q.Set(QuerySecurityToken, sessionToken)
	}
	raw, err := CanonicalQuery(q.Encode(), true)
	if err != nil {
		return "", err
	}
	r.URL.RawQuery = raw
	s := &Signed{
		Presigned:        true,
		AccessKey:        accessKey,
		Scope:            scope,
		AmzDate:          t.Format(TimeFormat),
		Time:             t,
		Expires:          expires,
		PayloadHash:      UnsignedPayload,
		rawSignedHeaders: "host",
	}
	sig, err := s.sign(r, DeriveKey(secretKey, scope.Date, region, service))
	if err != nil {
		return "", err
	}
	r.URL.RawQuery = raw + "&" + QuerySignature + "=" + hex.EncodeToString(sig[:])
	return r.URL.String(), nil
}

func (s *Signed) sign(r *http.Request, key SigningKey) ([32]byte, error) {
	saved := r.RequestURI
	r.RequestURI = "" // client side: sign r.URL as it will be sent
	defer func() { r.RequestURI = saved }()
	cr, err := appendCanonicalRequest(nil, r, s)
	if err != nil {
		return [32]byte{}, err
	}
	h := sha256.Sum256(cr)
	return hmacSHA256(key[:], appendStringToSign(nil, s.AmzDate, s.Scope.String(), h)), nil
}

// validHeaderName reports whether n is a non-empty HTTP token.
func validHeaderName(n string) bool {
	if n == "" {
		return false
	}
	for i := 0; i < len(n); i++ {
		if !isTokenChar(n[i]) {
			return false
		}
	}
	return true
}
