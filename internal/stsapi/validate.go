package stsapi

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// AWS's constraint patterns, quoted verbatim in messages.
const (
	arnPatternText         = `[\u0009\u000A\u000D\u0020-\u007E\u0085\u00A0-\uD7FF\uE000-\uFFFD\u10000-\u10FFFF]+`
	sessionNamePatternText = `[\w+=,.@-]*`
	policyPatternText      = `[\u0009\u000A\u000D\u0020-\u00FF]+`
)

// Length bounds (in Unicode code points, as AWS counts).
const (
	arnMin, arnMax                 = 20, 2048
	sessionNameMin, sessionNameMax = 2, 64
	tokenMin, tokenMax             = 4, 20000
	policyMin, policyMax           = 1, 2048
	providerMin, providerMax       = 4, 2048
)

// violations collects AWS constraint failures in member order.
type violations []string

// value renders a member's value the way AWS's messages do: null when
// absent, quoted otherwise, nothing at all for a sensitive member.
func value(o optional, sensitive bool) string {
	switch {
	case !o.Present:
		return "Value null"
	case sensitive:
		return "Value"
	default:
		return "Value '" + o.Value + "'"
	}
}

func (v *violations) add(o optional, sensitive bool, at, constraint string) {
	*v = append(*v, fmt.Sprintf("%s at '%s' failed to satisfy constraint: Member must %s", value(o, sensitive), at, constraint))
}

// str checks a string member: presence, then pattern, then length, in AWS's order.
func (v *violations) str(o optional, at string, required, sensitive bool, min, max int, match func(string) bool, pattern string) {
	if !o.Present {
		if required {
			v.add(o, sensitive, at, "not be null")
		}
		return
	}
	if match != nil && !match(o.Value) {
		v.add(o, sensitive, at, "satisfy regular expression pattern: "+pattern)
	}
	n := utf8.RuneCountInString(o.Value)
	if n < min {
		v.add(o, sensitive, at, "have length greater than or equal to "+strconv.Itoa(min))
	}
	if n > max {
		v.add(o, sensitive, at, "have length less than or equal to "+strconv.Itoa(max))
	}
}

// err turns the violations into AWS's ValidationError, or nil.
func (v violations) err() error {
	switch len(v) {
	case 0:
		return nil
	case 1:
		return validationError("1 validation error detected: " + v[0])
	default:
		return validationError(fmt.Sprintf("%d validation errors detected: %s", len(v), strings.Join(v, "; ")))
	}
}

func validationError(msg string) error {
	return &apiError{Status: http.StatusBadRequest, Code: codeValidationError, Message: msg}
}

// validated is a request that passed every wire constraint.
type validated struct {
	RoleArn, RoleSessionName, WebIdentityToken, Policy, ProviderID string
	Duration                                                       time.Duration
	PolicyArns                                                     []string
	SessionPolicy                                                  bool // Policy or PolicyArns present
}

// validate applies AWS's member constraints (all collected into one
// ValidationError), then the ARN syntax check, with the server's duration bounds.
func validate(req webIdentityRequest, minD, maxD time.Duration) (validated, error) {
	var v violations
	v.str(req.RoleArn, "roleArn", true, false, arnMin, arnMax, arnChars, arnPatternText)
	v.str(req.RoleSessionName, "roleSessionName", true, false, sessionNameMin, sessionNameMax, sessionNameChars, sessionNamePatternText)
	v.str(req.WebIdentityToken, "webIdentityToken", true, true, tokenMin, tokenMax, nil, "")
	v.str(req.ProviderID, "providerId", false, false, providerMin, providerMax, nil, "")
	for i, a := range req.PolicyArns {
		v.str(a, fmt.Sprintf("policyArns.%d.member.arn", i+1), true, false, arnMin, arnMax, arnChars, arnPatternText)
	}
	v.str(req.Policy, "policy", false, false, policyMin, policyMax, policyChars, policyPatternText)
	minS, maxS := int64(minD/time.Second), int64(maxD/time.Second)
	d := int64(DefaultDuration / time.Second)
	if d > maxS {
		d = maxS
	}
	if req.DurationSeconds != nil {
		d = *req.DurationSeconds
		at := optional{Value: req.DurationRaw, Present: true}
		if d < minS {
			v.add(at, false, "durationSeconds", "have value greater than or equal to "+strconv.FormatInt(minS, 10))
		}
		if d > maxS {
			v.add(at, false, "durationSeconds", "have value less than or equal to "+strconv.FormatInt(maxS, 10))
		}
	}
	if err := v.err(); err != nil {
		return validated{}, err
	}
	if !wellFormedARN(req.RoleArn.Value) {
		return validated{}, validationError(req.RoleArn.Value + " is invalid")
	}
	out := validated{
		RoleArn:          req.RoleArn.Value,
		RoleSessionName:  req.RoleSessionName.Value,
		WebIdentityToken: req.WebIdentityToken.Value,
		Policy:           req.Policy.Value,
		ProviderID:       req.ProviderID.Value,
		Duration:         time.Duration(d) * time.Second,
		SessionPolicy:    req.Policy.Present || len(req.PolicyArns) > 0,
	}
	for _, a := range req.PolicyArns {
		if !wellFormedARN(a.Value) {
			return validated{}, validationError(a.Value + " is invalid")
		}
		out.PolicyArns = append(out.PolicyArns, a.Value)
	}
	return out, nil
}

// arnChars is arnPatternText as AWS's Java front end applies it: there
// "\u10000-\u10FFFF" reads as U+1000, '0'..U+10FF, 'F', 'F', so supplementary
// characters fail while everything from U+0020 to U+D7FF passes. Invalid
// UTF-8 fails too.
func arnChars(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		if r == utf8.RuneError {
			if _, size := utf8.DecodeRuneInString(s[i:]); size == 1 {
				return false
			}
		}
		switch {
		case r == '\t' || r == '\n' || r == '\r':
		case r >= 0x20 && r <= 0xD7FF:
		case r >= 0xE000 && r <= 0xFFFD:
		default:
			return false
		}
	}
	return true
}

// sessionNameChars: [\w+=,.@-]* with Java's ASCII \w.
func sessionNameChars(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case strings.IndexByte("_+=,.@-", c) >= 0:
		default:
			return false
		}
	}
	return true
}

// policyChars: [\u0009\u000A\u000D\u0020-\u00FF]+ (Latin-1 text).
func policyChars(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		if r == utf8.RuneError {
			if _, size := utf8.DecodeRuneInString(s[i:]); size == 1 {
				return false
			}
		}
		if r != '\t' && r != '\n' && r != '\r' && (r < 0x20 || r > 0xFF) {
			return false
		}
	}
	return true
}

// wellFormedARN: arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE with a
// non-empty partition, service and resource (region and account may be
// empty, e.g. arn:aws:iam::123456789012:role/x or arn:minio:iam:::role/x).
func wellFormedARN(s string) bool {
	parts := strings.SplitN(s, ":", 6)
	return len(parts) == 6 && parts[0] == "arn" && parts[1] != "" && parts[2] != "" && parts[5] != ""
}
