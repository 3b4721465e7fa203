// Package server is fedstore's composition root: it picks the implementations
// (state store, object backend, authenticator, APIs) by name, mounts the APIs
// on one listener (S3, the admin API, health, metrics, later STS), wraps them in
// the request-id, access-log, metrics and panic-recovery middleware, and runs
// the HTTP server until its context ends, then shuts down gracefully.
//
// It is the only package that imports implementations; nothing imports it but
// cmd/fedstore.
package server
