package sigv4

import "errors"

// Errors returned by this package, wrapped with %w and a precise reason.
// Package authn re-exports them under the same names, and the S3 API maps
// each to the wire code after Err.
var (
	ErrAccessDenied                      = errors.New("access denied")
	ErrSignatureDoesNotMatch             = errors.New("the request signature we calculated does not match the signature you provided")
	ErrAuthorizationHeaderMalformed      = errors.New("the authorization header is malformed")
	ErrAuthorizationQueryParametersError = errors.New("error parsing the X-Amz-Credential parameter")
	ErrRequestTimeTooSkewed              = errors.New("the difference between the request time and the current time is too large")
	ErrMissingSecurityHeader             = errors.New("your request was missing a required header")
	ErrXAmzContentSHA256Mismatch         = errors.New("the provided 'x-amz-content-sha256' header does not match what was computed")
	ErrBadDigest                         = errors.New("the checksum you specified did not match the calculated checksum")
	ErrInvalidDigest                     = errors.New("the content-md5 or checksum you specified is not valid")
	ErrIncompleteBody                    = errors.New("you did not provide the number of bytes specified by the content-length header")
	ErrInvalidRequest                    = errors.New("invalid request")
	ErrInvalidArgument                   = errors.New("invalid argument")
	ErrMissingContentLength              = errors.New("you must provide the content-length http header")
	ErrNotImplemented                    = errors.New("a header you provided implies functionality that is not implemented")
)
