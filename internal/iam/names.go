package iam

import (
	"fmt"
	"unicode"
	"unicode/utf8"
)

// Name limits.
const (
	// MaxPolicyNameLen is AWS's limit on a managed policy name.
	MaxPolicyNameLen = 128
	// MaxTargetLen bounds a user id (a token's user claim) or group name.
	MaxTargetLen = 512
)

// ValidPolicyName checks a policy name: 1..128 characters of AWS's policy-name
// set, letters, digits and + = , . @ _ -. Names are case-sensitive.
func ValidPolicyName(name string) error {
	if name == "" {
		return fmt.Errorf("%w: the policy name is empty", ErrInvalidName)
	}
	if len(name) > MaxPolicyNameLen {
		return fmt.Errorf("%w: the policy name is %d characters long, the limit is %d", ErrInvalidName, len(name), MaxPolicyNameLen)
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case c == '+', c == '=', c == ',', c == '.', c == '@', c == '_', c == '-':
		default:
			return fmt.Errorf("%w: policy name %q has the character %q at position %d; allowed are letters, digits and + = , . @ _ -",
				ErrInvalidName, name, rune(c), i+1)
		}
	}
	return nil
}

// validTarget checks a user id or group name: 1..MaxTargetLen bytes of UTF-8
// without control characters. Token claims (GitHub's "repo:org/r:ref:..."
// subjects, e-mail addresses) must fit, so the set is wide.
func validTarget(kind, v string) error {
	if v == "" {
		return fmt.Errorf("%w: the %s is empty", ErrInvalidName, kind)
	}
	if len(v) > MaxTargetLen {
		return fmt.Errorf("%w: the %s is %d bytes long, the limit is %d", ErrInvalidName, kind, len(v), MaxTargetLen)
	}
	if !utf8.ValidString(v) {
		return fmt.Errorf("%w: the %s is not valid UTF-8", ErrInvalidName, kind)
	}
	for _, r := range v {
		if unicode.IsControl(r) {
			return fmt.Errorf("%w: the %s %q contains a control character", ErrInvalidName, kind, v)
		}
	}
	return nil
}

// validBucket checks a bucket name loosely (the S3 layer validates fully):
// 3..63 bytes of lower-case letters, digits, dots and hyphens.
func validBucket(b string) error {
	if len(b) < 3 || len(b) > 63 {
		return fmt.Errorf("%w: bucket name %q must be 3 to 63 characters long", ErrInvalidName, b)
	}
	for i := 0; i < len(b); i++ {
		c := b[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '.' || c == '-') {
			return fmt.Errorf("%w: bucket name %q has the character %q", ErrInvalidName, b, rune(c))
		}
	}
	return nil
}
