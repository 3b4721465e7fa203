// Package oauth is the small OpenID Connect relying-party client shared by
// `fedstore login`, `fedstore credentials` and the sign-in page: discovery,
// PKCE (S256), the authorization URL, the code and refresh-token grants
// for a public client, and the device authorization grant (RFC 8628).
//
// Tokens are never logged and every response body is size-limited. The
// package verifies no signature: fedstore's STS verifies every ID token
// it is given; callers here only read the nonce of a token they received
// directly from the token endpoint.
package oauth
