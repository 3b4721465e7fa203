package object

import (
	"errors"
	"strings"
	"testing"
)

func TestValidateBucketName(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		ok   bool
	}{
		{"abc", true},
		{"my-bucket.v2", true},
		{"000", true},
		{"1.2.3", true},
		{"1.2.3.4.5", true},
		{strings.Repeat("a", 63), true},
		{"", false},
		{"ab", false},
		{strings.Repeat("a", 64), false},
		{"ABC", false},
		{"a_b", false},
		{"a b", false},
		{"-abc", false},
		{"abc-", false},
		{".abc", false},
		{"abc.", false},
		{"a..b", false},
		{"a.-b", false},
		{"a-.b", false},
		{"10.0.0.1", false},
		{"255.255.255.255", false},
		{".fedstore", false},
		{"über", false},
	}
	for _, tc := range tests {
		err := ValidateBucketName(tc.name)
		if tc.ok != (err == nil) {
			t.Errorf("ValidateBucketName(%q) = %v, want ok=%v", tc.name, err, tc.ok)
		}
		if err != nil && !errors.Is(err, ErrInvalidBucketName) {
			t.Errorf("ValidateBucketName(%q) = %v, does not wrap ErrInvalidBucketName", tc.name, err)
		}
	}
}

func TestValidateKey(t *testing.T) {
	t.Parallel()
	tests := []struct {
		key string
		ok  bool
	}{
		{"a", true},
		{"a//b/../c", true}, // valid in S3; backends add their own rules
		{"日本語", true},
		{strings.Repeat("k", 1024), true},
		{"", false},
		{strings.Repeat("k", 1025), false},
		{"\xff", false},
		{"a\xc3", false},
	}
	for _, tc := range tests {
		err := ValidateKey(tc.key)
		if tc.ok != (err == nil) || (err != nil && !errors.Is(err, ErrInvalidKey)) {
			t.Errorf("ValidateKey(%.20q) = %v, want ok=%v", tc.key, err, tc.ok)
		}
	}
}
