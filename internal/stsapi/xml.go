package stsapi

import (
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/fedstore/fedstore/internal/sts"
)

// expirationLayout is RFC 3339 in UTC to the second, as AWS sends it.
const expirationLayout = "2006-01-02T15:04:05Z"

// xmlDoc writes AWS's indented documents: two spaces per level, one element
// per line, no XML declaration, a final newline.
type xmlDoc struct {
	b     strings.Builder
	depth int
}

func (d *xmlDoc) indent() {
	for range d.depth {
		d.b.WriteString("  ")
	}
}

func (d *xmlDoc) open(name, xmlns string) {
	d.indent()
	d.b.WriteString("<" + name)
	if xmlns != "" {
		d.b.WriteString(` xmlns="` + xmlns + `"`)
	}
	d.b.WriteString(">\n")
	d.depth++
}

func (d *xmlDoc) close(name string) {
	d.depth--
	d.indent()
	d.b.WriteString("</" + name + ">\n")
}

func (d *xmlDoc) leaf(name, text string) {
	d.indent()
	d.b.WriteString("<" + name + ">")
	writeText(&d.b, text)
	d.b.WriteString("</" + name + ">\n")
}

// writeText escapes s as XML character data the way AWS does (&, <, >;
// quotes stay literal). Characters XML 1.0 cannot carry, and invalid UTF-8,
// become U+FFFD so that an echoed parameter never breaks a client's parser;
// a carriage return is written as a reference so parsers keep it.
func writeText(b *strings.Builder, s string) {
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
}

// xmlChar is XML 1.0's Char production.
func xmlChar(r rune) bool {
	return r == '\t' || r == '\n' || r == '\r' ||
		(r >= 0x20 && r <= 0xD7FF) || (r >= 0xE000 && r <= 0xFFFD) || (r >= 0x10000 && r <= 0x10FFFF)
}

// successXML renders AssumeRoleWithWebIdentityResponse. PackedPolicySize is
// included only when the request carried a session policy.
func successXML(out *sts.WebIdentityOutput, packed bool, requestID string) []byte {
	var d xmlDoc
	d.open("AssumeRoleWithWebIdentityResponse", stsNamespace)
	d.open("AssumeRoleWithWebIdentityResult", "")
	d.leaf("SubjectFromWebIdentityToken", out.SubjectFromWebIdentityToken)
	if out.Audience != "" {
		d.leaf("Audience", out.Audience)
	}
	d.open("AssumedRoleUser", "")
	d.leaf("AssumedRoleId", out.AssumedRoleID)
	d.leaf("Arn", out.AssumedRoleARN)
	d.close("AssumedRoleUser")
	d.open("Credentials", "")
	d.leaf("AccessKeyId", out.AccessKeyID)
	d.leaf("SecretAccessKey", out.SecretAccessKey)
	d.leaf("SessionToken", out.SessionToken)
	d.leaf("Expiration", out.Expiration.UTC().Truncate(time.Second).Format(expirationLayout))
	d.close("Credentials")
	if packed {
		d.leaf("PackedPolicySize", strconv.Itoa(out.PackedPolicySize))
	}
	if out.Provider != "" {
		d.leaf("Provider", out.Provider)
	}
	d.close("AssumeRoleWithWebIdentityResult")
	d.open("ResponseMetadata", "")
	d.leaf("RequestId", requestID)
	d.close("ResponseMetadata")
	d.close("AssumeRoleWithWebIdentityResponse")
	return []byte(d.b.String())
}

// errorXML renders AWS's ErrorResponse.
func errorXML(e *apiError, requestID string) []byte {
	var d xmlDoc
	d.open("ErrorResponse", e.namespace())
	d.open("Error", "")
	d.leaf("Type", e.typ())
	d.leaf("Code", e.Code)
	d.leaf("Message", e.Message)
	d.close("Error")
	d.leaf("RequestId", requestID)
	d.close("ErrorResponse")
	return []byte(d.b.String())
}
