package object

import (
	"crypto/md5"
	"errors"
	"testing"
)

func TestETags(t *testing.T) {
	t.Parallel()
	a, b := md5.Sum([]byte("a")), md5.Sum([]byte("b"))
	if got, want := MultipartETag([][]byte{a[:], b[:]}), `"96e024ba2074fe77e8e965ba43a704be-2"`; got != want {
		t.Errorf("MultipartETag = %s, want %s", got, want)
	}
	if got, want := ETagFromMD5(a[:]), `"0cc175b9c0f1b6a831c399e269772661"`; got != want {
		t.Errorf("ETagFromMD5 = %s, want %s", got, want)
	}
	tests := []struct {
		in    string
		trim  string
		isMD5 bool
	}{
		{`"0cc175b9c0f1b6a831c399e269772661"`, "0cc175b9c0f1b6a831c399e269772661", true},
		{"0cc175b9c0f1b6a831c399e269772661", "0cc175b9c0f1b6a831c399e269772661", true},
		{`"96e024ba2074fe77e8e965ba43a704be-2"`, "96e024ba2074fe77e8e965ba43a704be-2", false},
		{`"`, `"`, false},
		{"", "", false},
	}
	for _, tc := range tests {
		if got := TrimETag(tc.in); got != tc.trim {
			t.Errorf("TrimETag(%q) = %q, want %q", tc.in, got, tc.trim)
		}
		if _, ok := ETagMD5(tc.in); ok != tc.isMD5 {
			t.Errorf("ETagMD5(%q) ok = %v, want %v", tc.in, ok, tc.isMD5)
		}
	}
}

func TestCompositeChecksum(t *testing.T) {
	t.Parallel()
	tests := []struct {
		alg   string
		parts []string
		want  string
		err   error
	}{
		{"CRC32", []string{"NhCmhg==", "OncRQw=="}, "wpn7tg==-2", nil},
		{"SHA256", []string{"LPJNul+wow4m6DsqxbninhsWHlwfp0JecwQzYpOLmCQ=", "SG6kYiTRu0+2gPNPfJrZao8k7Ii+c+qOWmxlJg6cuKc="}, "cwXbmyq8zXBsJW2z2X5f9I1nfP5NOlkEr7faDjlQ4eI=-2", nil},
		{"CRC64NVME", []string{"AAAAAAAAAAA="}, "", ErrChecksumAlgorithm},
		{"MD5", []string{"AA=="}, "", ErrChecksumAlgorithm},
		{"CRC32", []string{"not base64!"}, "", ErrInvalidPart},
	}
	for _, tc := range tests {
		got, err := CompositeChecksum(tc.alg, tc.parts)
		if !errors.Is(err, tc.err) || got != tc.want {
			t.Errorf("CompositeChecksum(%s, %q) = %q, %v; want %q, %v", tc.alg, tc.parts, got, err, tc.want, tc.err)
		}
	}
}
