package stsapi

import (
	"context"
	"errors"
	"net/http"

	"github.com/fedstore/fedstore/internal/sts"
)

// XML namespaces: STS errors and results use the STS one; AWS's front end
// answers InvalidAction (and fedstore's MissingAction) in the AWSFault one.
const (
	stsNamespace   = "https://sts.amazonaws.com/doc/2011-06-15/"
	faultNamespace = "http://webservices.amazon.com/AWSFault/2005-15-09"
)

// Wire codes produced by the API itself (the rest are in errorTable).
const (
	codeValidationError = "ValidationError"
	codeInvalidAction   = "InvalidAction"
	codeMissingAction   = "MissingAction"
	codeInternalFailure = "InternalFailure"
	// internalFailureMessage is AWS's text; the real error is only logged.
	internalFailureMessage = "The request processing has failed because of an unknown error, exception or failure."
)

// apiError is an error already in wire form.
type apiError struct {
	Status    int
	Code      string
	Message   string
	Namespace string // stsNamespace when empty
}

func (e *apiError) Error() string { return e.Code + ": " + e.Message }

// typ is the error's Type element: Receiver for 5xx, Sender otherwise.
func (e *apiError) typ() string {
	if e.Status >= 500 {
		return "Receiver"
	}
	return "Sender"
}

func (e *apiError) namespace() string {
	if e.Namespace == "" {
		return stsNamespace
	}
	return e.Namespace
}

// errorTable maps domain errors to STS codes, first match wins.
var errorTable = []struct {
	err     error
	code    string
	status  int
	message string // sent instead of the error's text when set
}{
	{sts.ErrInvalidIdentityToken, "InvalidIdentityToken", http.StatusBadRequest, ""},
	{sts.ErrExpiredToken, "ExpiredTokenException", http.StatusBadRequest, ""},
	{sts.ErrIDPCommunication, "IDPCommunicationError", http.StatusBadRequest, ""},
	{sts.ErrAccessDenied, "AccessDenied", http.StatusForbidden, ""},
	{sts.ErrMalformedPolicy, "MalformedPolicyDocument", http.StatusBadRequest, ""},
	{sts.ErrPackedPolicyTooLarge, "PackedPolicyTooLarge", http.StatusBadRequest, ""},
	{sts.ErrInvalidParameter, "InvalidParameterValue", http.StatusBadRequest, ""},
	{sts.ErrMissingParameter, "MissingParameter", http.StatusBadRequest, ""},
	{sts.ErrThrottled, "Throttling", http.StatusBadRequest, ""},
	{sts.ErrUnavailable, "ServiceUnavailable", http.StatusServiceUnavailable, ""},
	{context.DeadlineExceeded, "ServiceUnavailable", http.StatusServiceUnavailable, "The exchange did not finish in time; retry the request."},
}

// toAPIError converts err to its wire form. known is false for errors
// outside the table (InternalFailure, whose text is never sent).
func toAPIError(err error) (e *apiError, known bool) {
	if errors.As(err, &e) {
		return e, true
	}
	for _, row := range errorTable {
		if errors.Is(err, row.err) {
			msg := row.message
			if msg == "" {
				msg = err.Error()
			}
			return &apiError{Status: row.status, Code: row.code, Message: msg}, true
		}
	}
	return &apiError{Status: http.StatusInternalServerError, Code: codeInternalFailure, Message: internalFailureMessage}, false
}
