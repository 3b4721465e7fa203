// Package objecttest is the conformance suite every object.Backend passes:
// call Run from the backend's tests. It also exports ReferenceList, a naive
// in-memory listing that tests compare object.List and backends against.
//
// It imports only the object package and the standard library (plus go-cmp).
package objecttest
