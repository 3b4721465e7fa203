// Package iam keeps fedstore's identity and access management state: named
// IAM policies, their attachments to users (a token's user claim) and groups,
// and bucket policies. Everything lives in the state store under "iam/";
// a Store keeps an in-memory cache of compiled policies and attachments that
// a state Watch keeps current, so a change made through any node applies on
// every node within a second and the request path never reads the store.
//
// It builds on packages policy and state only; it must not import net/http
// handlers, S3 or STS wire code.
package iam
