// Package authz decides whether a principal may perform an S3 action on a
// resource: the root identity may do everything; sessions (and static users)
// are allowed what their identity policies allow, intersected with their
// session policy, combined with the bucket policy as AWS does within one
// account (an explicit deny anywhere wins; an allow by identity or by a
// bucket policy naming the principal suffices); anonymous requests only
// what a bucket policy grants to "*".
//
// Policies are resolved by name through the iam cache at request time, so
// policy edits apply to live sessions at once. It imports authn, policy and
// iam's read interface; it must not import the S3 or STS wire packages.
package authz
