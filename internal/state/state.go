// Package state declares the small revisioned key-value Store that keeps all of
// fedstore's control state (OIDC providers, policies, attachments, sessions,
// keys). Implementations live in sub-packages (memory, bolt, later etcd) and all
// pass the conformance suite in state/statetest.
//
// It imports nothing of fedstore's; nothing in it knows about HTTP or S3.
package state

import (
	"context"
	"errors"
	"fmt"
)

// Revision expectations for Put and Delete.
const (
	// AnyRevision makes a Put or Delete unconditional.
	AnyRevision int64 = -1
	// MustNotExist makes a Put create-only.
	MustNotExist int64 = 0
)

var (
	// ErrNotFound: the key does not exist.
	ErrNotFound = errors.New("state: key not found")
	// ErrConflict: the key's revision is not the one the caller expected.
	ErrConflict = errors.New("state: revision conflict")
	// ErrCompacted: a Watch asked for a revision the store no longer has history for;
	// the watcher must reload with List and watch from the revision List returned.
	ErrCompacted = errors.New("state: revision compacted")
	// ErrClosed: the store was closed.
	ErrClosed = errors.New("state: store closed")
	// ErrUnavailable: the backing service cannot be reached right now.
	ErrUnavailable = errors.New("state: store unavailable")
	// ErrInvalid: a malformed argument (empty or oversized key, oversized value,
	// an expected revision below AnyRevision, a negative limit or revision).
	ErrInvalid = errors.New("state: invalid argument")
)

// Limits every implementation enforces (etcd's default request limit is 1.5 MiB).
const (
	MaxKeyLen   = 4096
	MaxValueLen = 1 << 20
)

// CheckKey reports whether key is usable: non-empty and at most MaxKeyLen bytes.
// Keys are arbitrary bytes otherwise.
func CheckKey(key string) error {
	if key == "" {
		return fmt.Errorf("%w: empty key", ErrInvalid)
	}
	if len(key) > MaxKeyLen {
		return fmt.Errorf("%w: key of %d bytes exceeds %d", ErrInvalid, len(key), MaxKeyLen)
	}
	return nil
}

// CheckPut validates the arguments of Put.
func CheckPut(key string, value []byte, expect int64) error {
	if err := CheckKey(key); err != nil {
		return err
	}
	if len(value) > MaxValueLen {
		return fmt.Errorf("%w: value of %d bytes exceeds %d", ErrInvalid, len(value), MaxValueLen)
	}
	return CheckExpect(expect)
}

// CheckExpect validates an expected revision for Put or Delete.
func CheckExpect(expect int64) error {
	if expect < AnyRevision {
		return fmt.Errorf("%w: expected revision %d", ErrInvalid, expect)
	}
	return nil
}

// KV is one stored entry. Revision is the store-wide revision of the entry's last
// modification; revisions only grow, and every Put or Delete takes a new one.
type KV struct {
	Key      string
	Value    []byte
	Revision int64
}

// EventType says what happened to a key.
type EventType int

const (
	EventPut EventType = iota + 1
	EventDelete
)

// Event is one change seen by a Watch. For EventDelete, KV.Value is nil and
// KV.Revision is the revision of the delete.
type Event struct {
	Type EventType
	KV   KV
}

// ListOptions page through a prefix. Keys come in byte order.
type ListOptions struct {
	// StartAfter lists only keys strictly greater than it.
	StartAfter string
	// Limit caps the number of entries (0 = no limit).
	Limit int
}

// ListResult is one page of a listing, consistent as of Revision (the store-wide
// revision at the time of the read; watch from Revision+1 to follow on).
type ListResult struct {
	KVs      []KV
	More     bool
	Revision int64
}

// Store is a revisioned key-value store. All methods are safe for concurrent use.
type Store interface {
	// Get returns the entry or ErrNotFound.
	Get(ctx context.Context, key string) (KV, error)
	// Put writes value under key if the key's current revision equals expect
	// (AnyRevision: always; MustNotExist: only if absent), else ErrConflict.
	// It returns the new revision.
	Put(ctx context.Context, key string, value []byte, expect int64) (int64, error)
	// Delete removes key if its revision equals expect (AnyRevision: always).
	// Deleting a missing key is ErrNotFound.
	Delete(ctx context.Context, key string, expect int64) error
	// List returns entries whose key starts with prefix, in byte order.
	List(ctx context.Context, prefix string, opts ListOptions) (ListResult, error)
	// Watch delivers every change to keys under prefix with revision >= fromRev
	// (fromRev 0: changes from now on), in revision order, until ctx is done; then
	// the channel is closed. A watch that cannot continue (compaction, store closed)
	// delivers nothing further and closes; Err-style failures at start are returned.
	// Writers never wait for watchers: a watcher that falls too far behind has its
	// channel closed while ctx is still live, and must reload with List and watch
	// again from the revision List returned (+1).
	Watch(ctx context.Context, prefix string, fromRev int64) (<-chan Event, error)
	// Close releases the store. Watches end.
	Close() error
}
