package sts

import (
	"context"
	"crypto/subtle"
	"fmt"
	"time"

	"github.com/fedstore/fedstore/internal/authn"
)

var _ authn.CredentialSource = (*Service)(nil)

// LookupCredential implements authn.CredentialSource for session keys. It
// needs no store read: the token carries the session, sealed. A key that
// is not a session key is authn.ErrInvalidAccessKeyId (so a chain can try
// other sources); a missing, forged, tampered or foreign token, or one
// issued for another access key, is authn.ErrInvalidToken; an expired
// session authn.ErrExpiredToken; a revoked one authn.ErrInvalidToken.
func (s *Service) LookupCredential(_ context.Context, accessKey, sessionToken string) (authn.Credential, error) {
	if !IsSessionAccessKey(accessKey) {
		return authn.Credential{}, fmt.Errorf("%w: access key %q", authn.ErrInvalidAccessKeyId, accessKey)
	}
	if sessionToken == "" {
		return authn.Credential{}, fmt.Errorf("%w: temporary credentials need their session token (X-Amz-Security-Token)", authn.ErrInvalidToken)
	}
	p, err := s.open(accessKey, sessionToken)
	if err != nil {
		return authn.Credential{}, fmt.Errorf("%w: %v", authn.ErrInvalidToken, err)
	}
	if subtle.ConstantTimeCompare([]byte(p.AccessKey), []byte(accessKey)) != 1 {
		return authn.Credential{}, fmt.Errorf("%w: the session token belongs to another access key", authn.ErrInvalidToken)
	}
	exp := time.Unix(p.Expires, 0).UTC()
	if !s.cfg.Clock().Before(exp) {
		return authn.Credential{}, fmt.Errorf("%w: the session expired at %s", authn.ErrExpiredToken, exp.Format(time.RFC3339))
	}
	if revoked, why := s.revoked.revoked(p); revoked {
		return authn.Credential{}, fmt.Errorf("%w: %s", authn.ErrInvalidToken, why)
	}
	return authn.Credential{
		AccessKey:    accessKey,
		SecretKey:    p.Secret,
		SessionToken: sessionToken,
		Expiration:   exp,
		Principal: authn.Principal{
			Kind:          authn.Session,
			AccessKey:     accessKey,
			Name:          p.Subject,
			ARN:           p.ARN,
			UserID:        accessKey + ":" + p.SessionName,
			Policies:      p.Policies,
			SessionPolicy: p.SessionPolicy,
			Claims:        p.Claims,
			Provider:      p.Provider,
			Expiration:    exp,
		},
	}, nil
}
