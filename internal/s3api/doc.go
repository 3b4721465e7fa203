// Package s3api serves the S3 REST API: it routes a request (method,
// sub-resource, headers) to an operation through a table of data (routes.go),
// authenticates it, authorizes the operation's IAM action on the resource's
// ARN, calls a handler that returns a value, and renders that value (or an S3
// error) in one place (render.go). It owns the S3 wire formats (XML documents,
// headers) and the one table from domain errors (object.Err*, authn.Err*) to
// S3 error codes (errors.go).
//
// Decisions where S3 leaves room:
//   - Sub-resources fedstore does not implement answer 501 NotImplemented naming
//     the sub-resource, except GET ?versioning (an empty VersioningConfiguration:
//     buckets are never versioned) and GET ?acl (a root-owned FULL_CONTROL ACL),
//     which tools call routinely. A versionId other than "null" is NotImplemented.
//   - Headers that promise behaviour fedstore lacks (public canned ACLs, x-amz-grant-*,
//     server-side encryption, object lock, conditional PUT) are refused with
//     NotImplemented rather than ignored.
//   - A key that cannot coexist with another on the filesystem ("a" and "a/b")
//     is KeyConflict (409).
//   - ListBuckets returns every bucket to callers allowed s3:ListAllMyBuckets,
//     otherwise the buckets they may s3:ListBucket or s3:GetBucketLocation
//     (AccessDenied if none).
//   - Bucket policies (GET/PUT/DELETE ?policy) are stored through the
//     BucketPolicies interface; a bad document is MalformedPolicy naming the
//     statement, field, line and column. DeleteBucket drops the bucket's
//     policy and CreateBucket drops a stale one, so a new bucket of an old
//     name never inherits it.
//   - DeleteObjects authorizes s3:DeleteObject per key; CopyObject and
//     UploadPartCopy also need s3:GetObject on the source.
//   - Continuation tokens are opaque (base64url of a versioned marker);
//     encoding-type=url encodes a space as "+".
//   - Every refused request (authentication or authorization) gets an audit log
//     line; internal errors are logged with the request id and sent as
//     InternalError without their text.
//   - A full disk or quota (object.ErrNoSpace) is 503 ServiceUnavailable:
//     SDKs retry it with backoff and then show its message; nothing was
//     stored. A request body that stalls past the server's transfer idle
//     timeout (an error wrapping os.ErrDeadlineExceeded) is 400
//     RequestTimeout, as on AWS.
//
// It imports object, authn, reqctx, policy (parse errors) and iam (its
// sentinel errors); it must not import any implementation
// (object/posix, state/*) nor the server package.
package s3api
