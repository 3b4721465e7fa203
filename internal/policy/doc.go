// Package policy is the AWS IAM JSON policy language: it parses and validates
// policy documents (identity, session and bucket policies), compiles them once
// into a form whose evaluation allocates nothing in the common case, evaluates
// requests against sets of policies, and marshals documents back to canonical
// JSON.
//
// It is pure: no net/http, no XML, no storage and no other fedstore package.
// Callers (authz, iam, sts, the CLI) build a Request (action, resource ARN,
// principal, condition context) and combine Decisions with Intersect (session
// policies) and Union (bucket policies).
//
// Deviations from AWS worth knowing are documented where they are decided:
// condition-key validation in keys.go, wildcard matching in match.go, principal
// matching in principal.go, and condition semantics in condition.go.
package policy
