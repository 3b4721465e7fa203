// Package oidc owns fedstore's OpenID Connect providers: discovery, a JWKS
// cache per provider, and verification of the JWTs exchanged at the STS
// endpoint. Registry routes a token to its provider by its (unverified)
// issuer; Explain reports every check for `fedstore sts explain`.
//
// Rules it implements (SPEC §3): compact JWS only (no JWE, no JSON
// serialization), at most MaxTokenLength characters; alg RS/PS/ES 256-512
// or EdDSA and fitting the key (never none or HS*); typ JWT or at+jwt or
// absent; keys come only from the provider's JWKS (embedded jwk/x5c/jku
// headers are ignored); an unknown kid (or a kid-less token no cached key
// verifies) triggers at most one shared JWKS refetch per MinRefetchInterval;
// a successful fetch replaces the key set (removed keys are dropped); a
// failed one keeps the last good keys; no usable key plus a failed fetch
// is ErrIDPCommunication. Claims: iss exact, aud or azp one of the
// configured Audiences (required: there is no accept-any mode), exp
// required, nbf/iat not in the future beyond the leeway, the user claim a
// non-empty string. Issuer and JWKS URLs must be https, or http to a
// loopback host unless Options.InsecureAllowHTTP.
//
// It is a domain package: it uses net/http only as a client (to fetch the
// discovery document and the JWKS), serves nothing, and must not import any
// API package, encoding/xml or Prometheus (metrics go through Metrics).
package oidc
