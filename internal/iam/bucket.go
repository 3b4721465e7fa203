package iam

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/fedstore/fedstore/internal/policy"
	"github.com/fedstore/fedstore/internal/state"
)

// PutBucketPolicy validates doc as a resource policy and stores it as the
// bucket's policy, replacing any previous one. A bad document wraps
// policy.ErrMalformedPolicy or policy.ErrPolicyTooLarge and stores nothing.
// The caller checks that the bucket exists.
func (s *Store) PutBucketPolicy(ctx context.Context, bucket string, doc []byte) (*policy.Policy, error) {
	if err := validBucket(bucket); err != nil {
		return nil, err
	}
	p, err := policy.ParseResource(doc)
	if err != nil {
		return nil, err
	}
	val, err := json.Marshal(bucketRecord{Document: string(doc), Updated: s.clock().UTC().Truncate(time.Second)})
	if err != nil {
		return nil, fmt.Errorf("bucket policy of %q: encode: %w", bucket, err)
	}
	rev, err := s.st.Put(ctx, bucketPolicyPrefix+bucket, val, state.AnyRevision)
	if err != nil {
		return nil, fmt.Errorf("bucket policy of %q: %w", bucket, err)
	}
	s.waitRev(ctx, rev)
	return p, nil
}

// GetBucketPolicy returns the bucket policy document as it was put, from the
// state store; ErrNoSuchBucketPolicy if none.
func (s *Store) GetBucketPolicy(ctx context.Context, bucket string) (string, error) {
	if err := validBucket(bucket); err != nil {
		return "", err
	}
	kv, err := s.st.Get(ctx, bucketPolicyPrefix+bucket)
	if errors.Is(err, state.ErrNotFound) {
		return "", fmt.Errorf("%w: bucket %q", ErrNoSuchBucketPolicy, bucket)
	}
	if err != nil {
		return "", fmt.Errorf("bucket policy of %q: %w", bucket, err)
	}
	var rec bucketRecord
	if err := json.Unmarshal(kv.Value, &rec); err != nil {
		return "", fmt.Errorf("bucket policy of %q: stored record does not decode: %w", bucket, err)
	}
	return rec.Document, nil
}

// DeleteBucketPolicy removes the bucket's policy; a bucket without one is not
// an error (S3 answers 204 either way).
func (s *Store) DeleteBucketPolicy(ctx context.Context, bucket string) error {
	if err := validBucket(bucket); err != nil {
		return err
	}
	err := s.st.Delete(ctx, bucketPolicyPrefix+bucket, state.AnyRevision)
	if err != nil && !errors.Is(err, state.ErrNotFound) {
		return fmt.Errorf("bucket policy of %q: %w", bucket, err)
	}
	s.sync(ctx)
	return nil
}
