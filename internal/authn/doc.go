// Package authn turns an HTTP request into a principal: it parses SigV4 (the
// Authorization header or a presigned query) with package sigv4, looks the
// access key up in a CredentialSource (root, users, STS sessions), checks the
// session token, the clock and the signature, and wraps the body so that
// aws-chunked framing is removed and every declared digest is verified.
//
// It must not import API packages (s3api, stsapi, adminapi), XML or storage.
package authn
