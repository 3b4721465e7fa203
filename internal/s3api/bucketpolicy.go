package s3api

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"strings"

	"github.com/fedstore/fedstore/internal/policy"
	"github.com/fedstore/fedstore/internal/reqctx"
)

// BucketPolicies stores bucket policies (*iam.Store implements it).
type BucketPolicies interface {
	// PutBucketPolicy validates doc as a resource policy and stores it;
	// errors wrap policy.ErrMalformedPolicy or policy.ErrPolicyTooLarge for
	// a bad document.
	PutBucketPolicy(ctx context.Context, bucket string, doc []byte) (*policy.Policy, error)
	// GetBucketPolicy returns the document as put, or an error wrapping
	// ErrNoSuchBucketPolicy.
	GetBucketPolicy(ctx context.Context, bucket string) (string, error)
	// DeleteBucketPolicy removes it; a missing policy is not an error.
	DeleteBucketPolicy(ctx context.Context, bucket string) error
	// BucketPolicy reports whether the bucket has a policy (from memory).
	BucketPolicy(bucket string) (*policy.Policy, bool)
}

// maxPolicyBody bounds what PutBucketPolicy reads; documents over
// policy.MaxDocumentSize are refused by the parser with a precise message.
const maxPolicyBody = 64 << 10

func (h *handler) bucketPoliciesOrNotImplemented() error {
	if h.policies == nil {
		return apiErrorf(codeNotImplemented, "Bucket policies are not enabled on this server.")
	}
	return nil
}

func (h *handler) putBucketPolicy(rq *request) (*response, error) {
	if err := h.bucketPoliciesOrNotImplemented(); err != nil {
		return nil, err
	}
	if _, err := h.backend.HeadBucket(rq.ctx, rq.bucket); err != nil {
		return nil, err
	}
	body, err := readRequestXML(rq, maxPolicyBody)
	if err != nil {
		return nil, err
	}
	if len(strings.TrimSpace(string(body))) == 0 {
		return nil, apiErrorf(codeMalformedPolicy, "Policies must be valid JSON and the first byte must be '{': the request body is empty.")
	}
	if _, err := h.policies.PutBucketPolicy(rq.ctx, rq.bucket, body); err != nil {
		return nil, err
	}
	return &response{status: http.StatusNoContent}, nil
}

func (h *handler) getBucketPolicy(rq *request) (*response, error) {
	if err := h.bucketPoliciesOrNotImplemented(); err != nil {
		return nil, err
	}
	if _, err := h.backend.HeadBucket(rq.ctx, rq.bucket); err != nil {
		return nil, err
	}
	doc, err := h.policies.GetBucketPolicy(rq.ctx, rq.bucket)
	if err != nil {
		return nil, err
	}
	resp := &response{body: strings.NewReader(doc), size: int64(len(doc))}
	resp.setHeader("Content-Type", "application/json")
	return resp, nil
}

func (h *handler) deleteBucketPolicy(rq *request) (*response, error) {
	if err := h.bucketPoliciesOrNotImplemented(); err != nil {
		return nil, err
	}
	if _, err := h.backend.HeadBucket(rq.ctx, rq.bucket); err != nil {
		return nil, err
	}
	if err := h.policies.DeleteBucketPolicy(rq.ctx, rq.bucket); err != nil {
		return nil, err
	}
	return &response{status: http.StatusNoContent}, nil
}

// dropBucketPolicy removes a deleted (or newly created) bucket's policy, so
// that a later bucket of the same name never inherits it. Failures are
// logged: the bucket operation itself has succeeded.
func (h *handler) dropBucketPolicy(rq *request) {
	if h.policies == nil {
		return
	}
	if _, ok := h.policies.BucketPolicy(rq.bucket); !ok {
		return
	}
	if err := h.policies.DeleteBucketPolicy(rq.ctx, rq.bucket); err != nil {
		h.log.ErrorContext(rq.ctx, "s3: removing the policy of a deleted bucket failed",
			slog.String("request_id", reqctx.From(rq.ctx).ID), slog.String("bucket", rq.bucket), slog.String("error", err.Error()))
	}
}

// policyErrorMessage is the MalformedPolicy message for a parse error: the
// validator's text names the statement, field, line and column.
func policyErrorMessage(err error) string {
	var ve *policy.ValidationError
	if errors.As(err, &ve) {
		return "The policy is not valid: " + ve.Error() + "."
	}
	if errors.Is(err, policy.ErrPolicyTooLarge) {
		return "Policy exceeds the maximum allowed document size (" + strconv.Itoa(policy.MaxDocumentSize) + " bytes)."
	}
	return "The policy is not valid."
}
