package server

import (
	"context"
	"crypto/subtle"
	"fmt"

	"github.com/fedstore/fedstore/internal/authn"
)

// RootName is the principal name of the root credentials.
const RootName = "root"

// RootSource is the authn.CredentialSource of the root credentials. Session
// credentials are looked up behind it (ChainSource, sts.go).
type RootSource struct {
	accessKey string
	secretKey string
}

// NewRootSource returns a source that knows exactly one key.
func NewRootSource(accessKey, secretKey string) *RootSource {
	return &RootSource{accessKey: accessKey, secretKey: secretKey}
}

// LookupCredential implements authn.CredentialSource.
func (s *RootSource) LookupCredential(_ context.Context, accessKey, sessionToken string) (authn.Credential, error) {
	if !s.ownsKey(accessKey) {
		return authn.Credential{}, unknownKeyError(accessKey)
	}
	if sessionToken != "" {
		// The root credentials never come with a session token.
		return authn.Credential{}, fmt.Errorf("%w: the root credentials take no security token", authn.ErrInvalidToken)
	}
	return authn.Credential{
		AccessKey: s.accessKey,
		SecretKey: s.secretKey,
		Principal: authn.Principal{Kind: authn.Root, AccessKey: s.accessKey, Name: RootName},
	}, nil
}

// ownsKey reports whether accessKey is the root access key (ChainSource
// skips the root source for every other key, without building an error).
func (s *RootSource) ownsKey(accessKey string) bool {
	return subtle.ConstantTimeCompare([]byte(accessKey), []byte(s.accessKey)) == 1
}

// unknownKeyError is authn.ErrInvalidAccessKeyId for accessKey. Its
// message is only formatted if someone reads it.
type unknownKeyError string

func (e unknownKeyError) Error() string {
	return fmt.Sprintf("%v: access key %q", authn.ErrInvalidAccessKeyId, string(e))
}

func (e unknownKeyError) Unwrap() error { return authn.ErrInvalidAccessKeyId }
