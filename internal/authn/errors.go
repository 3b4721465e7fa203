package authn

import (
	"errors"

	"github.com/fedstore/fedstore/internal/sigv4"
)

// Errors returned by Authenticate and by reads of Result.Body. The S3 API maps
// each to its wire code (the name after Err) in one table; errors are wrapped
// with %w and a precise reason, e.g. fmt.Errorf("%w: ...", ErrSignatureDoesNotMatch).
//
// The protocol-level ones are package sigv4's sentinels under the same name,
// so errors.Is works whichever package an error came from.
var (
	ErrAccessDenied                      = sigv4.ErrAccessDenied // e.g. presigned URL expired
	ErrSignatureDoesNotMatch             = sigv4.ErrSignatureDoesNotMatch
	ErrAuthorizationHeaderMalformed      = sigv4.ErrAuthorizationHeaderMalformed
	ErrAuthorizationQueryParametersError = sigv4.ErrAuthorizationQueryParametersError
	ErrInvalidAccessKeyId                = errors.New("the AWS access key id you provided does not exist in our records")
	ErrRequestTimeTooSkewed              = sigv4.ErrRequestTimeTooSkewed
	ErrExpiredToken                      = errors.New("the provided token has expired")
	ErrInvalidToken                      = errors.New("the provided token is malformed or otherwise invalid")
	ErrMissingSecurityHeader             = sigv4.ErrMissingSecurityHeader
	ErrXAmzContentSHA256Mismatch         = sigv4.ErrXAmzContentSHA256Mismatch
	ErrBadDigest                         = sigv4.ErrBadDigest
	ErrInvalidDigest                     = sigv4.ErrInvalidDigest
	ErrIncompleteBody                    = sigv4.ErrIncompleteBody
	ErrInvalidRequest                    = sigv4.ErrInvalidRequest
	ErrInvalidArgument                   = sigv4.ErrInvalidArgument
	ErrMissingContentLength              = sigv4.ErrMissingContentLength
	ErrNotImplemented                    = sigv4.ErrNotImplemented
)
