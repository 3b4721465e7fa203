package sts

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"time"

	"github.com/fedstore/fedstore/internal/authn"
)

var _ authn.CredentialSource = (*Service)(nil)

// openedSession is an opened session token with what every request of the
// session needs computed once: the credential it authenticates as (all but
// the session token, which is the request's own string).
type openedSession struct {
	p    *payload
	cred authn.Credential
}

// newOpenedSession derives the credential of p.
func newOpenedSession(p *payload) *openedSession {
	exp := time.Unix(p.Expires, 0).UTC()
	return &openedSession{p: p, cred: authn.Credential{
		AccessKey:  p.AccessKey,
		SecretKey:  p.Secret,
		Expiration: exp,
		Principal: authn.Principal{
			Kind:          authn.Session,
			AccessKey:     p.AccessKey,
			Name:          p.Subject,
			ARN:           p.ARN,
			UserID:        p.AccessKey + ":" + p.SessionName,
			Policies:      p.Policies,
			SessionPolicy: p.SessionPolicy,
			Claims:        p.Claims,
			Provider:      p.Provider,
			Expiration:    exp,
		},
	}}
}

// LookupCredential implements authn.CredentialSource for session keys. A
// sealed token needs no store read: it carries the session. A reference
// token not opened before on this node reads its session record (an error
// reading it is returned as is, an internal error). A key that
// is not a session key is authn.ErrInvalidAccessKeyId (so a chain can try
// other sources); a missing, forged, tampered or foreign token, or one
// issued for another access key, is authn.ErrInvalidToken; an expired
// session authn.ErrExpiredToken; a revoked one authn.ErrInvalidToken.
func (s *Service) LookupCredential(ctx context.Context, accessKey, sessionToken string) (authn.Credential, error) {
	if !IsSessionAccessKey(accessKey) {
		return authn.Credential{}, fmt.Errorf("%w: access key %q", authn.ErrInvalidAccessKeyId, accessKey)
	}
	if sessionToken == "" {
		return authn.Credential{}, fmt.Errorf("%w: temporary credentials need their session token (X-Amz-Security-Token)", authn.ErrInvalidToken)
	}
	o, err := s.open(ctx, accessKey, sessionToken)
	if errors.Is(err, errSessionRead) {
		return authn.Credential{}, err // the store failed: no verdict on the token
	}
	if err != nil {
		return authn.Credential{}, fmt.Errorf("%w: %v", authn.ErrInvalidToken, err)
	}
	p := o.p
	if subtle.ConstantTimeCompare([]byte(p.AccessKey), []byte(accessKey)) != 1 {
		return authn.Credential{}, fmt.Errorf("%w: the session token belongs to another access key", authn.ErrInvalidToken)
	}
	exp := o.cred.Expiration
	if !s.cfg.Clock().Before(exp) {
		return authn.Credential{}, fmt.Errorf("%w: the session expired at %s", authn.ErrExpiredToken, exp.Format(time.RFC3339))
	}
	if revoked, why := s.revoked.revoked(p); revoked {
		return authn.Credential{}, fmt.Errorf("%w: %s", authn.ErrInvalidToken, why)
	}
	cred := o.cred
	cred.SessionToken = sessionToken
	return cred, nil
}
