// Package adminapitest provides, for tests only, an adminapi.Authenticator
// that verifies SigV4 header signatures of one root key pair by re-signing
// the request with aws-sdk-go-v2's signer (an implementation independent of
// fedstore's own internal/sigv4), so client tests exercise real signatures.
//
// Production code must not import it.
package adminapitest
