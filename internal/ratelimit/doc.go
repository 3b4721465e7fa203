// Package ratelimit limits request rates per key (a client's source IP)
// with token buckets: each key may burst up to Burst requests and then
// Rate per second. Memory is bounded: buckets that have refilled are
// forgotten, and the number of tracked keys is capped.
//
// It is pure: no net/http, no package state; the clock is injected.
package ratelimit
