package stsapi

import (
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// Parameter names of the query API.
const (
	paramAction           = "Action"
	paramVersion          = "Version"
	paramRoleArn          = "RoleArn"
	paramRoleSessionName  = "RoleSessionName"
	paramWebIdentityToken = "WebIdentityToken"
	paramDurationSeconds  = "DurationSeconds"
	paramPolicy           = "Policy"
	paramProviderID       = "ProviderId"
	policyArnsPrefix      = "PolicyArns.member."
	policyArnsSuffix      = ".arn"
	maxPolicyArns         = 10
)

// params are a request's parameters: form body first, then the query string,
// so that for a repeated name the first value wins, as on AWS.
type params struct {
	body  url.Values
	query url.Values
}

// get returns the first value of name and whether it was present at all.
func (p params) get(name string) (string, bool) {
	if vs, ok := p.body[name]; ok && len(vs) > 0 {
		return vs[0], true
	}
	if vs, ok := p.query[name]; ok && len(vs) > 0 {
		return vs[0], true
	}
	return "", false
}

// names returns every parameter name (body and query) with prefix.
func (p params) names(prefix string) []string {
	var out []string
	seen := map[string]bool{}
	for _, vs := range []url.Values{p.body, p.query} {
		for k := range vs {
			if strings.HasPrefix(k, prefix) && !seen[k] {
				seen[k] = true
				out = append(out, k)
			}
		}
	}
	return out
}

// readParams decodes the query string and, for a POST with a form content
// type, the body (at most MaxBodyBytes).
func readParams(r *http.Request) (params, error) {
	var p params
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return p, malformedInput("the query string is not valid URL encoding: %v", err)
	}
	p.query = q
	if r.Method != http.MethodPost || r.Body == nil || !isFormContentType(r.Header.Get("Content-Type")) {
		return p, nil
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, MaxBodyBytes+1))
	if err != nil {
		return p, malformedInput("the request body could not be read: %v", err)
	}
	if len(body) > MaxBodyBytes {
		return p, &apiError{Status: http.StatusRequestEntityTooLarge, Code: "RequestEntityTooLarge",
			Message: fmt.Sprintf("The request body exceeds the limit of %d bytes.", MaxBodyBytes)}
	}
	p.body, err = parseForm(string(body))
	if err != nil {
		return p, err
	}
	return p, nil
}

// parseForm decodes an application/x-www-form-urlencoded document.
func parseForm(s string) (url.Values, error) {
	v, err := url.ParseQuery(s)
	if err != nil {
		return nil, malformedInput("the request body is not valid application/x-www-form-urlencoded: %v", err)
	}
	return v, nil
}

// isFormContentType reports whether ct is application/x-www-form-urlencoded
// (any parameters, such as charset, allowed).
func isFormContentType(ct string) bool {
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		return strings.EqualFold(strings.TrimSpace(strings.SplitN(ct, ";", 2)[0]), "application/x-www-form-urlencoded")
	}
	return mt == "application/x-www-form-urlencoded"
}

// webIdentityRequest is the decoded (not yet validated) AssumeRoleWithWebIdentity call.
type webIdentityRequest struct {
	RoleArn, RoleSessionName, WebIdentityToken, Policy, ProviderID optional
	DurationSeconds                                                *int64 // nil when absent
	DurationRaw                                                    string
	PolicyArns                                                     []optional
}

// optional is a parameter value and whether it was present.
type optional struct {
	Value   string
	Present bool
}

// decodeWebIdentity reads the operation's parameters. Its only errors are
// MalformedInput: a DurationSeconds that is not a 32-bit integer, or a
// PolicyArns member index that is not a number from 1 to 10.
func decodeWebIdentity(p params) (webIdentityRequest, error) {
	opt := func(name string) optional {
		v, ok := p.get(name)
		return optional{Value: v, Present: ok}
	}
	req := webIdentityRequest{
		RoleArn:          opt(paramRoleArn),
		RoleSessionName:  opt(paramRoleSessionName),
		WebIdentityToken: opt(paramWebIdentityToken),
		Policy:           opt(paramPolicy),
		ProviderID:       opt(paramProviderID),
	}
	if raw, ok := p.get(paramDurationSeconds); ok {
		n, err := parseJavaInt(raw)
		if err != nil {
			return req, err
		}
		req.DurationSeconds, req.DurationRaw = &n, raw
	}
	arns, err := decodePolicyArns(p)
	if err != nil {
		return req, err
	}
	req.PolicyArns = arns
	return req, nil
}

// parseJavaInt parses a 32-bit integer the way AWS's Java front end does:
// an optional sign, then decimal digits (leading zeros allowed).
func parseJavaInt(raw string) (int64, error) {
	if raw == "" {
		return 0, malformedInput("missing value for decimal type")
	}
	digits := strings.TrimLeft(raw, "+-")
	if len(raw)-len(digits) > 1 || digits == "" || strings.Trim(digits, "0123456789") != "" {
		return 0, malformedInput("Value '%s' at 'durationSeconds' is not an integer", raw)
	}
	n, err := strconv.ParseInt(raw, 10, 32)
	if err != nil {
		return 0, malformedInput("Value '%s' at 'durationSeconds' is out of the range of a 32-bit integer", raw)
	}
	return n, nil
}

// decodePolicyArns collects PolicyArns.member.N.arn (N = 1..10) in index
// order. A gap leaves an empty, absent slot, which validation reports as null.
func decodePolicyArns(p params) ([]optional, error) {
	var out []optional
	for _, name := range p.names(policyArnsPrefix) {
		rest := strings.TrimPrefix(name, policyArnsPrefix)
		idx, field, ok := strings.Cut(rest, ".")
		if !ok || "."+field != policyArnsSuffix {
			continue // other members of PolicyDescriptorType: ignored like unknown parameters
		}
		n, err := strconv.Atoi(idx)
		if err != nil || n < 1 || idx != strconv.Itoa(n) {
			return nil, malformedInput("'%s' is not a valid list member: the index must be a number from 1", name)
		}
		if n > maxPolicyArns {
			return nil, &apiError{Status: http.StatusBadRequest, Code: codeValidationError,
				Message: fmt.Sprintf("1 validation error detected: Value at 'policyArns' failed to satisfy constraint: Member must have length less than or equal to %d", maxPolicyArns)}
		}
		for len(out) < n {
			out = append(out, optional{})
		}
		v, _ := p.get(name)
		out[n-1] = optional{Value: v, Present: true}
	}
	return out, nil
}

// malformedInput is AWS's MalformedInput (400) with a precise message.
func malformedInput(format string, args ...any) error {
	return &apiError{Status: http.StatusBadRequest, Code: "MalformedInput", Message: fmt.Sprintf(format, args...)}
}
