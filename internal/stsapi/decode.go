package stsapi

import (
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"slices"
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
	body  values
	query values
}

// get returns the first value of name and whether it was present at all.
func (p params) get(name string) (string, bool) {
	if v, ok := p.body.get(name); ok {
		return v, true
	}
	return p.query.get(name)
}

// names returns every parameter name (body and query) with prefix.
func (p params) names(prefix string) []string {
	var out []string
	seen := map[string]bool{}
	for _, vs := range []values{p.body, p.query} {
		vs.each(func(k string) {
			if strings.HasPrefix(k, prefix) && !seen[k] {
				seen[k] = true
				out = append(out, k)
			}
		})
	}
	return out
}

// values are the decoded parameters of one source (query string or body):
// a few are kept as a list of pairs in order (no map to build), more in the
// url.Values that url.ParseQuery returns.
type values struct {
	pairs []param
	m     url.Values
}

type param struct{ name, value string }

func (v values) get(name string) (string, bool) {
	for _, p := range v.pairs {
		if p.name == name {
			return p.value, true
		}
	}
	if vs := v.m[name]; len(vs) > 0 {
		return vs[0], true
	}
	return "", false
}

// each calls f with every name, once.
func (v values) each(f func(name string)) {
	for i, p := range v.pairs {
		if !slices.ContainsFunc(v.pairs[:i], func(q param) bool { return q.name == p.name }) {
			f(p.name)
		}
	}
	for k := range v.m {
		f(k)
	}
}

// maxPairs is the most parameters parseValues keeps as a list.
const maxPairs = 32

// parseValues decodes application/x-www-form-urlencoded text exactly as
// url.ParseQuery does (the same pairs, the same errors): up to maxPairs
// well-formed pairs itself, anything else by url.ParseQuery.
func parseValues(s string) (values, error) {
	if s == "" {
		return values{}, nil
	}
	if strings.Count(s, "&") < maxPairs && !strings.Contains(s, ";") {
		pairs := make([]param, 0, strings.Count(s, "&")+1)
		ok := true
		for rest := s; rest != "" && ok; {
			var kv string
			kv, rest, _ = strings.Cut(rest, "&")
			if kv == "" {
				continue
			}
			k, v, _ := strings.Cut(kv, "=")
			var err1, err2 error
			k, err1 = url.QueryUnescape(k)
			v, err2 = url.QueryUnescape(v)
			ok = err1 == nil && err2 == nil
			pairs = append(pairs, param{k, v})
		}
		if ok {
			return values{pairs: pairs}, nil
		}
	}
	m, err := url.ParseQuery(s)
	return values{m: m}, err
}

// readParams decodes the query string and, for a POST with a form content
// type, the body (at most MaxBodyBytes).
func readParams(r *http.Request) (params, error) {
	var p params
	q, err := parseValues(r.URL.RawQuery)
	if err != nil {
		return p, malformedInput("the query string is not valid URL encoding: %v", err)
	}
	p.query = q
	if r.Method != http.MethodPost || r.Body == nil || !isFormContentType(r.Header.Get("Content-Type")) {
		return p, nil
	}
	body, err := readBody(r.Body, r.ContentLength)
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

// readBody reads at most MaxBodyBytes+1 bytes of body, in one allocation
// when its declared length (hint) is within the limit.
func readBody(body io.Reader, hint int64) ([]byte, error) {
	if hint <= 0 || hint > MaxBodyBytes {
		return io.ReadAll(io.LimitReader(body, MaxBodyBytes+1))
	}
	b := make([]byte, hint+1)
	n, err := io.ReadFull(body, b)
	switch err {
	case io.EOF, io.ErrUnexpectedEOF:
		return b[:n], nil
	case nil: // longer than declared
		rest, err := io.ReadAll(io.LimitReader(body, MaxBodyBytes+1-int64(n)))
		return append(b, rest...), err
	}
	return b[:n], err
}

// parseForm decodes an application/x-www-form-urlencoded document.
func parseForm(s string) (values, error) {
	v, err := parseValues(s)
	if err != nil {
		return values{}, malformedInput("the request body is not valid application/x-www-form-urlencoded: %v", err)
	}
	return v, nil
}

// isFormContentType reports whether ct is application/x-www-form-urlencoded
// (any parameters, such as charset, allowed).
func isFormContentType(ct string) bool {
	if ct == "application/x-www-form-urlencoded" {
		return true
	}
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
