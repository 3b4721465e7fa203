// Package statetest is the conformance suite every state.Store implementation
// passes (memory, bolt, etcd). It uses only the state.Store interface plus
// optional hooks (reopen, compact), never an implementation's internals.
//
// It imports internal/state and the testing package only; production code
// must not import it.
package statetest
