package adminapitest

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/fedstore/fedstore/internal/authn"
)

// Verifier accepts requests signed with AccessKey/SecretKey as root and
// requests without Authorization as anonymous.
type Verifier struct {
	AccessKey, SecretKey string
	// Users maps further access keys to secrets; they authenticate as
	// authn.User (to test that non-root principals are refused).
	Users map[string]string
	// Clock defaults to time.Now.
	Clock func() time.Time
}

const maxBody = 1 << 20

// Authenticate implements adminapi.Authenticator.
func (v *Verifier) Authenticate(r *http.Request) (*authn.Result, error) {
	authz := r.Header.Get("Authorization")
	if authz == "" {
		return &authn.Result{Principal: authn.Principal{Kind: authn.Anonymous}, Body: r.Body, ContentLength: r.ContentLength}, nil
	}
	cred, signedHeaders, sig, err := parse(authz)
	if err != nil {
		return nil, err
	}
	parts := strings.Split(cred, "/")
	if len(parts) != 5 || parts[4] != "aws4_request" {
		return nil, fmt.Errorf("%w: credential %q", authn.ErrAuthorizationHeaderMalformed, cred)
	}
	ak, region, service := parts[0], parts[2], parts[3]
	kind, secret := authn.Root, v.SecretKey
	if ak != v.AccessKey {
		s, ok := v.Users[ak]
		if !ok {
			return nil, authn.ErrInvalidAccessKeyId
		}
		kind, secret = authn.User, s
	}
	when, err := time.Parse("20060102T150405Z", r.Header.Get("X-Amz-Date"))
	if err != nil {
		return nil, fmt.Errorf("%w: X-Amz-Date: %v", authn.ErrAuthorizationHeaderMalformed, err)
	}
	now := time.Now
	if v.Clock != nil {
		now = v.Clock
	}
	if d := now().Sub(when); d > 15*time.Minute || d < -15*time.Minute {
		return nil, authn.ErrRequestTimeTooSkewed
	}
	payloadHash := r.Header.Get("X-Amz-Content-Sha256")
	if payloadHash == "" {
		return nil, fmt.Errorf("%w: x-amz-content-sha256", authn.ErrMissingSecurityHeader)
	}
	var body []byte
	if r.Body != nil {
		body, err = io.ReadAll(io.LimitReader(r.Body, maxBody+1))
		if err != nil {
			return nil, err
		}
		if len(body) > maxBody {
			return nil, fmt.Errorf("%w: body too large for the test verifier", authn.ErrInvalidRequest)
		}
	}
	if payloadHash != "UNSIGNED-PAYLOAD" {
		sum := sha256.Sum256(body)
		if !hmac.Equal([]byte(hex.EncodeToString(sum[:])), []byte(payloadHash)) {
			return nil, authn.ErrXAmzContentSHA256Mismatch
		}
	}
	clone, err := http.NewRequestWithContext(context.Background(), r.Method, "http://"+r.Host+r.URL.RequestURI(), nil)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", authn.ErrInvalidRequest, err)
	}
	clone.ContentLength = r.ContentLength
	for _, h := range strings.Split(signedHeaders, ";") {
		if h == "host" || h == "content-length" {
			continue
		}
		if vals, ok := r.Header[http.CanonicalHeaderKey(h)]; ok {
			clone.Header[http.CanonicalHeaderKey(h)] = vals
		}
	}
	signer := v4.NewSigner(func(o *v4.SignerOptions) { o.DisableURIPathEscaping = true })
	creds := aws.Credentials{AccessKeyID: ak, SecretAccessKey: secret}
	if err := signer.SignHTTP(context.Background(), creds, clone, payloadHash, service, region, when); err != nil {
		return nil, err
	}
	_, wantHeaders, want, err := parse(clone.Header.Get("Authorization"))
	if err != nil {
		return nil, err
	}
	if wantHeaders != signedHeaders || !hmac.Equal([]byte(want), []byte(sig)) {
		return nil, authn.ErrSignatureDoesNotMatch
	}
	return &authn.Result{
		Principal:     authn.Principal{Kind: kind, AccessKey: ak, Name: ak},
		Body:          io.NopCloser(bytes.NewReader(body)),
		ContentLength: int64(len(body)),
	}, nil
}

func parse(authz string) (cred, signedHeaders, sig string, err error) {
	rest, ok := strings.CutPrefix(authz, "AWS4-HMAC-SHA256 ")
	if !ok {
		return "", "", "", fmt.Errorf("%w: unsupported algorithm", authn.ErrAuthorizationHeaderMalformed)
	}
	for _, f := range strings.Split(rest, ",") {
		k, val, _ := strings.Cut(strings.TrimSpace(f), "=")
		switch k {
		case "Credential":
			cred = val
		case "SignedHeaders":
			signedHeaders = val
		case "Signature":
			sig = val
		}
	}
	if cred == "" || signedHeaders == "" || sig == "" {
		return "", "", "", fmt.Errorf("%w: missing Credential, SignedHeaders or Signature", authn.ErrAuthorizationHeaderMalformed)
	}
	return cred, signedHeaders, sig, nil
}
