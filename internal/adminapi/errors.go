package adminapi

import (
	"errors"
	"net/http"

	"github.com/fedstore/fedstore/internal/authn"
	"github.com/fedstore/fedstore/internal/state"
)

// Errors of the API itself.
var (
	errNotRoot          = errors.New("the admin API requires the root credentials")
	errAnonymous        = errors.New("the admin API requires a SigV4-signed request with the root credentials")
	errNoSuchEndpoint   = errors.New("no such admin endpoint")
	errMethodNotAllowed = errors.New("method not allowed")
	errBodyTooLarge     = errors.New("request body too large")
	errMalformedJSON    = errors.New("the request body is not valid JSON for this endpoint")
	errUnexpectedBody   = errors.New("this endpoint takes no request body")
)

// codeStatus is one row of the error table.
type codeStatus struct {
	err    error
	code   string
	status int
}

// errorTable maps every domain error the API can meet to its wire code and
// status. The first match (errors.Is) wins.
func errorTable() []codeStatus {
	return []codeStatus{
		{errNotRoot, "AccessDenied", http.StatusForbidden},
		{errAnonymous, "AccessDenied", http.StatusForbidden},
		{errNoSuchEndpoint, "NoSuchEndpoint", http.StatusNotFound},
		{errMethodNotAllowed, "MethodNotAllowed", http.StatusMethodNotAllowed},
		{errBodyTooLarge, "EntityTooLarge", http.StatusRequestEntityTooLarge},
		{errMalformedJSON, "MalformedJSON", http.StatusBadRequest},
		{errUnexpectedBody, "InvalidRequest", http.StatusBadRequest},

		{authn.ErrAccessDenied, "AccessDenied", http.StatusForbidden},
		{authn.ErrSignatureDoesNotMatch, "SignatureDoesNotMatch", http.StatusForbidden},
		{authn.ErrAuthorizationHeaderMalformed, "AuthorizationHeaderMalformed", http.StatusBadRequest},
		{authn.ErrAuthorizationQueryParametersError, "AuthorizationQueryParametersError", http.StatusBadRequest},
		{authn.ErrInvalidAccessKeyId, "InvalidAccessKeyId", http.StatusForbidden},
		{authn.ErrRequestTimeTooSkewed, "RequestTimeTooSkewed", http.StatusForbidden},
		{authn.ErrExpiredToken, "ExpiredToken", http.StatusBadRequest},
		{authn.ErrInvalidToken, "InvalidToken", http.StatusBadRequest},
		{authn.ErrMissingSecurityHeader, "MissingSecurityHeader", http.StatusBadRequest},
		{authn.ErrXAmzContentSHA256Mismatch, "XAmzContentSHA256Mismatch", http.StatusBadRequest},
		{authn.ErrBadDigest, "BadDigest", http.StatusBadRequest},
		{authn.ErrInvalidDigest, "InvalidDigest", http.StatusBadRequest},
		{authn.ErrIncompleteBody, "IncompleteBody", http.StatusBadRequest},
		{authn.ErrInvalidRequest, "InvalidRequest", http.StatusBadRequest},
		{authn.ErrInvalidArgument, "InvalidArgument", http.StatusBadRequest},
		{authn.ErrMissingContentLength, "MissingContentLength", http.StatusLengthRequired},
		{authn.ErrNotImplemented, "NotImplemented", http.StatusNotImplemented},

		{state.ErrNotFound, "NotFound", http.StatusNotFound},
		{state.ErrConflict, "Conflict", http.StatusConflict},
		{state.ErrInvalid, "InvalidArgument", http.StatusBadRequest},
		{state.ErrUnavailable, "ServiceUnavailable", http.StatusServiceUnavailable},
		{state.ErrClosed, "ServiceUnavailable", http.StatusServiceUnavailable},
	}
}

// internalError is what unknown errors become; their text is never sent.
const internalCode = "InternalError"

// lookup finds err's row, or internalError.
func lookup(err error) codeStatus {
	for _, row := range append(append(append(errorTable(), oidcErrorTable()...), stsErrorTable()...), iamErrorTable()...) {
		if errors.Is(err, row.err) {
			return row
		}
	}
	return codeStatus{code: internalCode, status: http.StatusInternalServerError}
}
