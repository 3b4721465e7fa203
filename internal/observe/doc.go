// Package observe builds fedstore's structured logger (log/slog, text or JSON,
// with the request id on every line) and its Prometheus metrics (a private
// registry, never the global one).
//
// It imports reqctx and client_golang only; nothing of S3, STS or storage.
package observe
