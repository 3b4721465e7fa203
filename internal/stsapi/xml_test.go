package stsapi

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/fedstore/fedstore/internal/sts"
)

// referenceText is the rune-by-rune escaping appendText must match.
func referenceText(s string) string {
	var b strings.Builder
	for i, r := range s {
		switch {
		case r == '&':
			b.WriteString("&amp;")
		case r == '<':
			b.WriteString("&lt;")
		case r == '>':
			b.WriteString("&gt;")
		case r == '\r':
			b.WriteString("&#xD;")
		case r == utf8.RuneError:
			if _, size := utf8.DecodeRuneInString(s[i:]); size == 1 {
				b.WriteRune(utf8.RuneError)
			} else {
				b.WriteRune(r)
			}
		case !xmlChar(r):
			b.WriteRune(utf8.RuneError)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

var textSeeds = []string{
	"", "plain", "a&b<c>d\"e'f", "tab\tnl\ncr\r", "\x00\x01\x1f\x7f", "é日本\U0001F600",
	"\uFFFD", "\xff\xfe", "a\xe2\x82", "\xed\xa0\x80", "\uFFFE\uFFFF", "\u2028 \u0085", "<<&&>>",
}

func TestAppendText(t *testing.T) {
	t.Parallel()
	for _, s := range textSeeds {
		if got, want := string(appendText([]byte("x"), s)), "x"+referenceText(s); got != want {
			t.Errorf("appendText(%q) = %q, want %q", s, got, want)
		}
	}
}

func FuzzAppendText(f *testing.F) {
	for _, s := range textSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := string(appendText(nil, s)), referenceText(s); got != want {
			t.Fatalf("appendText(%q) = %q, want %q", s, got, want)
		}
	})
}

// TestSuccessXMLSize: the document fits the buffer successXML sizes for it
// (one allocation) when nothing needs escaping, with every optional element.
func TestSuccessXMLSize(t *testing.T) {
	t.Parallel()
	out := &sts.WebIdentityOutput{AccessKeyID: "A", SecretAccessKey: "S", SessionToken: "T", Expiration: time.Unix(1<<40, 0),
		SubjectFromWebIdentityToken: "s", AssumedRoleARN: "a", AssumedRoleID: "i", Provider: "p", Audience: "u", PackedPolicySize: 1 << 62}
	doc := appendSuccessXML(nil, out, true, "r")
	if size := successXMLSize(out, "r"); len(doc) > size {
		t.Fatalf("document of %d bytes, successXMLSize %d:\n%s", len(doc), size, doc)
	}
}
