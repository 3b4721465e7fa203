// Package oidcstore keeps fedstore's configured OpenID Connect providers in
// the state store (one JSON record per provider under KeyPrefix) and serves
// them, on every node, through a live *oidc.Registry: loaded at start with
// oidc.OpenProvider (an IdP that is down does not stop the server), kept
// current by a state Watch (add, replace, remove; a full reload after
// ErrCompacted or a closed watch), and refreshed in the background
// (Registry.Run). Configure validates a provider against its IdP before
// anything is stored (oidc.NewProvider: discovery fetched, issuer matches,
// JWKS loads).
//
// It sits between the APIs and the domain: it imports oidc and state, and
// Prometheus only to count fetches (metrics.go); never net/http handlers or
// API packages.
package oidcstore
