// Package devidp is the development identity provider of `fedstore server
// --dev`: an OpenID Connect discovery document and a JWKS served under
// PathPrefix on fedstore's own address, and tokens minted with a signing key
// kept in the data directory (mode 0600), so `fedstore dev token` on the
// server's machine can mint tokens the server accepts. Loopback only: it
// has no login, so anyone who can read the key is anyone.
//
// It imports net/http to serve its two documents and go-jose to sign; it
// knows nothing of fedstore's APIs or state.
package devidp
