// Package signin serves fedstore's browser sign-in page: /login lists the
// OIDC providers that have a public client id and a redirect URL, "Sign in
// with NAME" sends the browser to the IdP (authorization code flow with
// PKCE, state and nonce), and /login/callback redeems the code
// server-side, checks the ID token (signature by the provider registry,
// nonce against the cookie), exchanges it at the STS and renders a page
// with the expiry, copyable export lines, an `aws configure` snippet and
// the buckets the session may use.
//
// The flow's state, nonce and PKCE verifier travel in one cookie, sealed
// with AES-GCM (so it is signed and unreadable), HttpOnly, SameSite=Lax,
// Secure over TLS, scoped to /login and valid ten minutes; the callback
// deletes it whatever the outcome, so a code cannot be redeemed twice
// through this page. Nothing secret is put in a URL or a log line, pages
// are never cached, and no JavaScript is needed.
package signin
