package s3api

import (
	"errors"
	"fmt"
	"net/http"
	"os"

	"github.com/fedstore/fedstore/internal/authn"
	"github.com/fedstore/fedstore/internal/iam"
	"github.com/fedstore/fedstore/internal/object"
	"github.com/fedstore/fedstore/internal/policy"
)

// code is an S3 error code; status gives its HTTP status.
type code string

// The S3 error codes fedstore sends.
const (
	codeAccessDenied                 code = "AccessDenied"
	codeBadDigest                    code = "BadDigest"
	codeBucketAlreadyOwnedByYou      code = "BucketAlreadyOwnedByYou"
	codeBucketNotEmpty               code = "BucketNotEmpty"
	codeEntityTooLarge               code = "EntityTooLarge"
	codeEntityTooSmall               code = "EntityTooSmall"
	codeIncompleteBody               code = "IncompleteBody"
	codeInternalError                code = "InternalError"
	codeInvalidArgument              code = "InvalidArgument"
	codeInvalidBucketName            code = "InvalidBucketName"
	codeInvalidDigest                code = "InvalidDigest"
	codeInvalidLocationConstraint    code = "InvalidLocationConstraint"
	codeInvalidPart                  code = "InvalidPart"
	codeInvalidPartOrder             code = "InvalidPartOrder"
	codeInvalidRange                 code = "InvalidRange"
	codeInvalidRequest               code = "InvalidRequest"
	codeKeyTooLong                   code = "KeyTooLongError"
	codeMalformedXML                 code = "MalformedXML"
	codeMaxMessageLengthExceeded     code = "MaxMessageLengthExceeded"
	codeMetadataTooLarge             code = "MetadataTooLarge"
	codeMethodNotAllowed             code = "MethodNotAllowed"
	codeMissingContentLength         code = "MissingContentLength"
	codeNoSuchBucket                 code = "NoSuchBucket"
	codeNoSuchKey                    code = "NoSuchKey"
	codeNoSuchUpload                 code = "NoSuchUpload"
	codeNotImplemented               code = "NotImplemented"
	codePreconditionFailed           code = "PreconditionFailed"
	codeSignatureDoesNotMatch        code = "SignatureDoesNotMatch"
	codeAuthorizationHeaderMalformed code = "AuthorizationHeaderMalformed"
	codeAuthorizationQueryParams     code = "AuthorizationQueryParametersError"
	codeInvalidAccessKeyID           code = "InvalidAccessKeyId"
	codeRequestTimeTooSkewed         code = "RequestTimeTooSkewed"
	codeExpiredToken                 code = "ExpiredToken"
	codeInvalidToken                 code = "InvalidToken"
	codeMissingSecurityHeader        code = "MissingSecurityHeader"
	codeXAmzContentSHA256Mismatch    code = "XAmzContentSHA256Mismatch"
	codeKeyConflict                  code = "KeyConflict"
	codeServiceUnavailable           code = "ServiceUnavailable"
	codeRequestTimeout               code = "RequestTimeout"
	codeMalformedPolicy              code = "MalformedPolicy"
	codeNoSuchBucketPolicy           code = "NoSuchBucketPolicy"
)

// status is the HTTP status S3 sends with c.
func (c code) status() int {
	switch c {
	case codeAccessDenied, codeSignatureDoesNotMatch, codeInvalidAccessKeyID, codeRequestTimeTooSkewed:
		return http.StatusForbidden
	case codeBucketAlreadyOwnedByYou, codeBucketNotEmpty, codeKeyConflict:
		return http.StatusConflict
	case codeInternalError:
		return http.StatusInternalServerError
	case codeServiceUnavailable:
		return http.StatusServiceUnavailable
	case codeInvalidRange:
		return http.StatusRequestedRangeNotSatisfiable
	case codeMethodNotAllowed:
		return http.StatusMethodNotAllowed
	case codeMissingContentLength:
		return http.StatusLengthRequired
	case codeNoSuchBucket, codeNoSuchKey, codeNoSuchUpload, codeNoSuchBucketPolicy:
		return http.StatusNotFound
	case codeNotImplemented:
		return http.StatusNotImplemented
	case codePreconditionFailed:
		return http.StatusPreconditionFailed
	default:
		return http.StatusBadRequest
	}
}

// name is the code as sent in <Code>.
func (c code) name() string { return string(c) }

// allCodes lists every code, for tests.
func allCodes() []code {
	return []code{
		codeAccessDenied,
		codeBadDigest,
		codeBucketAlreadyOwnedByYou,
		codeBucketNotEmpty,
		codeEntityTooLarge,
		codeEntityTooSmall,
		codeIncompleteBody,
		codeInternalError,
		codeInvalidArgument,
		codeInvalidBucketName,
		codeInvalidDigest,
		codeInvalidLocationConstraint,
		codeInvalidPart,
		codeInvalidPartOrder,
		codeInvalidRange,
		codeInvalidRequest,
		codeKeyTooLong,
		codeMalformedXML,
		codeMaxMessageLengthExceeded,
		codeMetadataTooLarge,
		codeMethodNotAllowed,
		codeMissingContentLength,
		codeNoSuchBucket,
		codeNoSuchKey,
		codeNoSuchUpload,
		codeNotImplemented,
		codePreconditionFailed,
		codeSignatureDoesNotMatch,
		codeAuthorizationHeaderMalformed,
		codeAuthorizationQueryParams,
		codeInvalidAccessKeyID,
		codeRequestTimeTooSkewed,
		codeExpiredToken,
		codeInvalidToken,
		codeMissingSecurityHeader,
		codeXAmzContentSHA256Mismatch,
		codeKeyConflict,
		codeServiceUnavailable,
		codeRequestTimeout,
		codeMalformedPolicy,
		codeNoSuchBucketPolicy,
	}
}

// apiError is an S3 error with the message to send.
type apiError struct {
	code    code
	message string
}

func (e *apiError) Error() string { return e.code.name() + ": " + e.message }

func apiErrorf(c code, format string, args ...any) *apiError {
	return &apiError{code: c, message: fmt.Sprintf(format, args...)}
}

// mapping is one row of the error table. withText sends the error's own text
// as the message: the authn package builds its errors for the wire (precise
// reasons, no secrets). Object errors get the fixed message, since some carry
// operating-system errors (file paths); withDetail appends the error's text
// for the sentinels whose wrappers only ever describe keys, parts and sizes.
type mapping struct {
	err        error
	code       code
	message    string
	withText   bool
	withDetail bool
}

// errorTable maps every domain sentinel to its S3 code. errors_test.go proves
// that every exported Err* of package object and package authn is listed.
func errorTable() []mapping {
	return []mapping{
		{err: object.ErrInvalidBucketName, code: codeInvalidBucketName, message: "The specified bucket is not valid.", withDetail: true},
		{err: object.ErrNoSuchBucket, code: codeNoSuchBucket, message: "The specified bucket does not exist."},
		{err: object.ErrBucketAlreadyOwnedByYou, code: codeBucketAlreadyOwnedByYou, message: "Your previous request to create the named bucket succeeded and you already own it."},
		{err: object.ErrBucketNotEmpty, code: codeBucketNotEmpty, message: "The bucket you tried to delete is not empty."},
		{err: object.ErrNoSuchKey, code: codeNoSuchKey, message: "The specified key does not exist."},
		{err: object.ErrInvalidKey, code: codeInvalidArgument, message: "The object key is not valid.", withDetail: true},
		{err: object.ErrKeyConflict, code: codeKeyConflict, message: "The object key conflicts with an existing key: a key cannot be both an object and a prefix of other keys.", withDetail: true},
		{err: object.ErrBadDigest, code: codeBadDigest, message: "The Content-MD5 you specified did not match what we received."},
		{err: object.ErrIncompleteBody, code: codeIncompleteBody, message: "You did not provide the number of bytes specified by the Content-Length HTTP header."},
		{err: object.ErrNoSuchUpload, code: codeNoSuchUpload, message: "The specified multipart upload does not exist. The upload ID might be invalid, or the multipart upload might have been aborted or completed."},
		{err: object.ErrInvalidPart, code: codeInvalidPart, message: "One or more of the specified parts could not be found. The part might not have been uploaded, or the specified entity tag might not have matched the part's entity tag.", withDetail: true},
		{err: object.ErrInvalidPartOrder, code: codeInvalidPartOrder, message: "The list of parts was not in ascending order. The parts list must be specified in order by part number.", withDetail: true},
		{err: object.ErrEntityTooSmall, code: codeEntityTooSmall, message: "Your proposed upload is smaller than the minimum allowed object size.", withDetail: true},
		{err: object.ErrChecksumAlgorithm, code: codeInvalidRequest, message: "The checksum algorithm is not supported here (CRC64NVME has no composite multipart form; use CRC32, CRC32C, SHA1 or SHA256).", withDetail: true},
		{err: object.ErrEntityTooLarge, code: codeEntityTooLarge, message: "Your proposed upload exceeds the maximum allowed object size.", withDetail: true},
		// A full disk or quota: 503 ServiceUnavailable, which every AWS SDK
		// retries with backoff (the condition is the server's and may clear
		// when space is freed) and then reports with this message. Not
		// InternalError (no bug), nor SlowDown (the request rate is not the
		// cause), nor EntityTooLarge (the same object fits once space is free).
		{err: object.ErrNoSpace, code: codeServiceUnavailable, message: "The server has no storage space left for this request; nothing was stored. Retry later, or ask the operator to free space."},

		{err: authn.ErrAccessDenied, code: codeAccessDenied, withText: true},
		{err: authn.ErrSignatureDoesNotMatch, code: codeSignatureDoesNotMatch, withText: true},
		{err: authn.ErrAuthorizationHeaderMalformed, code: codeAuthorizationHeaderMalformed, withText: true},
		{err: authn.ErrAuthorizationQueryParametersError, code: codeAuthorizationQueryParams, withText: true},
		{err: authn.ErrInvalidAccessKeyId, code: codeInvalidAccessKeyID, withText: true},
		{err: authn.ErrRequestTimeTooSkewed, code: codeRequestTimeTooSkewed, withText: true},
		{err: authn.ErrExpiredToken, code: codeExpiredToken, withText: true},
		{err: authn.ErrInvalidToken, code: codeInvalidToken, withText: true},
		{err: authn.ErrMissingSecurityHeader, code: codeMissingSecurityHeader, withText: true},
		{err: authn.ErrXAmzContentSHA256Mismatch, code: codeXAmzContentSHA256Mismatch, withText: true},
		{err: authn.ErrBadDigest, code: codeBadDigest, withText: true},
		{err: authn.ErrInvalidDigest, code: codeInvalidDigest, withText: true},
		{err: authn.ErrIncompleteBody, code: codeIncompleteBody, withText: true},
		{err: authn.ErrInvalidRequest, code: codeInvalidRequest, withText: true},
		{err: authn.ErrInvalidArgument, code: codeInvalidArgument, withText: true},
		{err: authn.ErrMissingContentLength, code: codeMissingContentLength, withText: true},
		{err: authn.ErrNotImplemented, code: codeNotImplemented, withText: true},
	}
}

// toAPIError turns any error into what the client sees. ok is false for an
// unknown error (sent as InternalError; the caller logs the original).
func toAPIError(err error) (e *apiError, ok bool) {
	if errors.As(err, &e) {
		return e, true
	}
	if errors.Is(err, policy.ErrMalformedPolicy) || errors.Is(err, policy.ErrPolicyTooLarge) {
		return &apiError{code: codeMalformedPolicy, message: policyErrorMessage(err)}, true
	}
	if errors.Is(err, os.ErrDeadlineExceeded) {
		// The server's transfer idle timeout cut off a stalled request body
		// (internal/server/deadlines.go); SDKs retry this code.
		return &apiError{code: codeRequestTimeout, message: "Your socket connection to the server was not read from or written to within the timeout period."}, true
	}
	if errors.Is(err, iam.ErrNoSuchBucketPolicy) {
		return &apiError{code: codeNoSuchBucketPolicy, message: "The bucket policy does not exist."}, true
	}
	for _, m := range errorTable() {
		if errors.Is(err, m.err) {
			msg := m.message
			switch {
			case m.withText:
				msg = sentence(err.Error())
			case m.withDetail:
				msg += " Detail: " + err.Error() + "."
			}
			return &apiError{code: m.code, message: msg}, true
		}
	}
	return &apiError{code: codeInternalError, message: "We encountered an internal error. Please try again."}, false
}

// sentence capitalises the first letter of an error's text.
func sentence(s string) string {
	if s != "" && s[0] >= 'a' && s[0] <= 'z' {
		return string(s[0]-'a'+'A') + s[1:]
	}
	return s
}
