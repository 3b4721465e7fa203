package state

import "context"

// Batcher is implemented by stores that can write several entries in one
// atomic transaction (one commit, one fsync). It is optional: callers test
// for it with a type assertion and fall back to Put. The STS session
// recorder uses it to group-commit session records.
type Batcher interface {
	// PutBatch writes every entry of kvs unconditionally (KV.Revision is
	// ignored), all or nothing, and returns the new revision of each, in
	// order. Each entry is validated like Put; one invalid entry fails the
	// batch with ErrInvalid and writes nothing. Watchers see one EventPut
	// per entry, in order.
	PutBatch(ctx context.Context, kvs []KV) ([]int64, error)
}

// CheckBatch validates the arguments of PutBatch.
func CheckBatch(kvs []KV) error {
	for _, kv := range kvs {
		if err := CheckPut(kv.Key, kv.Value, AnyRevision); err != nil {
			return err
		}
	}
	return nil
}
