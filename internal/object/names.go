package object

import (
	"fmt"
	"net/netip"
	"strings"
	"unicode/utf8"
)

// MaxKeyLength is the longest object key, in bytes of UTF-8.
const MaxKeyLength = 1024

// ValidateBucketName applies S3's bucket naming rules: 3..63 characters of
// lower-case letters, digits, '.' and '-', starting and ending with a letter
// or digit, no "..", no ".-" / "-." and not shaped like an IPv4 address.
// The error wraps ErrInvalidBucketName and says which rule failed.
func ValidateBucketName(name string) error {
	fail := func(why string) error {
		return fmt.Errorf("%w: %q %s", ErrInvalidBucketName, name, why)
	}
	if len(name) < 3 || len(name) > 63 {
		return fail("must be 3 to 63 characters long")
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9', c == '.', c == '-':
		default:
			return fail(fmt.Sprintf("has %q at %d: only lower-case letters, digits, '.' and '-' are allowed", c, i))
		}
	}
	if !isAlnum(name[0]) || !isAlnum(name[len(name)-1]) {
		return fail("must start and end with a letter or digit")
	}
	if strings.Contains(name, "..") {
		return fail("must not contain \"..\"")
	}
	if strings.Contains(name, ".-") || strings.Contains(name, "-.") {
		return fail("must not contain \".-\" or \"-.\"")
	}
	if addr, err := netip.ParseAddr(name); err == nil && addr.Is4() {
		return fail("must not be formatted as an IP address")
	}
	return nil
}

func isAlnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= '0' && c <= '9'
}

// ValidateKey applies the backend-independent key rules: 1..1024 bytes of
// valid UTF-8. Backends add their own (object/posix rejects "." segments and
// the like). The error wraps ErrInvalidKey.
func ValidateKey(key string) error {
	switch {
	case key == "":
		return fmt.Errorf("%w: the key is empty", ErrInvalidKey)
	case len(key) > MaxKeyLength:
		return fmt.Errorf("%w: the key is %d bytes long, the limit is %d", ErrInvalidKey, len(key), MaxKeyLength)
	case !utf8.ValidString(key):
		return fmt.Errorf("%w: the key is not valid UTF-8", ErrInvalidKey)
	}
	return nil
}
