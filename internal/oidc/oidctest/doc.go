// Package oidctest is for tests only: an OpenID provider on an httptest
// server (discovery and a JWKS of settable keys), signing keys, token minting
// and a settable clock. It must not import internal/oidc (whose own tests use
// it) nor any handler package of fedstore.
package oidctest
