// Package bench measures fedstore's S3 throughput and latency with a bounded
// load: raw SigV4-signed net/http requests (payload hashes precomputed, so the
// client stays cheap on a small machine) against a server on the loopback
// interface, and the same client against a bare net/http baseline server in
// the same process, so results read as a ratio to what Go's HTTP stack alone
// can do on this machine.
//
// It talks to fedstore over the wire only and imports no fedstore package;
// every run is bounded in time and in request count, and only loopback
// endpoints are accepted.
package bench
