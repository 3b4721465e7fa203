// Package rootcred reads, generates and stores fedstore's root credentials:
// the environment (FEDSTORE_ROOT_USER / FEDSTORE_ROOT_PASSWORD) wins; else the
// data dir's DATA/.fedstore/root-credentials.json
// ({"accessKey":"...","secretKey":"..."}, mode 0600, written atomically).
//
// The server calls LoadOrCreate at start; the admin CLI calls Resolve. It
// imports nothing of fedstore's and no HTTP package.
package rootcred
