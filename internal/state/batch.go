package state

import "context"

// Batcher is implemented by stores that can write several entries in one
// atomic transaction (one commit, one fsync). It is optional: callers test
// for it with a type assertion and fall back to Put. The STS session
// recorder uses it to group-commit session records.
type Batcher interface {
	// PutBatch writes the entries in one transaction and returns one
	// BatchResult per entry, in order. An entry is written unconditionally,
	// or, with CreateOnly, only if its key does not exist (an earlier entry
	// of the same batch counts): a create-only entry whose key exists is
	// skipped, its result an ErrConflict, and the other entries are still
	// written. Each entry is validated like Put; one invalid entry fails
	// the batch with ErrInvalid and writes nothing, as does any other
	// error. Watchers see one EventPut per written entry, in order.
	PutBatch(ctx context.Context, entries []BatchEntry) ([]BatchResult, error)
}

// BatchEntry is one write of PutBatch.
type BatchEntry struct {
	Key   string
	Value []byte
	// CreateOnly writes the entry only if Key is absent (Put's MustNotExist).
	CreateOnly bool
}

// BatchResult is the outcome of one BatchEntry: its new revision, or a
// zero Revision and an ErrConflict when a create-only key existed.
type BatchResult struct {
	Revision int64
	Err      error
}

// CheckBatch validates the arguments of PutBatch.
func CheckBatch(entries []BatchEntry) error {
	for _, e := range entries {
		if err := CheckPut(e.Key, e.Value, AnyRevision); err != nil {
			return err
		}
	}
	return nil
}
