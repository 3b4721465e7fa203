package iam

import "errors"

// Errors returned by Store; test with errors.Is. Each is wrapped with a
// precise reason naming the policy, user, group or bucket.
var (
	// ErrInvalidName: a policy name, user id, group name or bucket name that
	// is empty, too long or has characters outside the allowed set.
	ErrInvalidName = errors.New("invalid name")
	// ErrNoSuchPolicy: no policy of that name (names are case-sensitive).
	ErrNoSuchPolicy = errors.New("no such policy")
	// ErrPolicyAttached: the policy is still attached to users or groups.
	ErrPolicyAttached = errors.New("policy is attached")
	// ErrNotAttached: detaching a policy that is not attached to the target.
	ErrNotAttached = errors.New("policy is not attached")
	// ErrNoSuchBucketPolicy: the bucket has no bucket policy.
	ErrNoSuchBucketPolicy = errors.New("the bucket policy does not exist")
	// ErrBusy: a write kept losing compare-and-swap races; try again.
	ErrBusy = errors.New("too many concurrent changes, try again")
)
