// Package memory is an in-process state.Store: a sorted map with a global
// revision and a bounded watch history. Nothing survives Close; it is for
// tests and single-process development.
//
// Slow watchers do not block writers: see internal/state/internal/watchhub.
// It imports internal/state only.
package memory
