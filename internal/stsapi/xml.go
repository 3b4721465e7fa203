package stsapi

import (
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/fedstore/fedstore/internal/sts"
)

// expirationLayout is RFC 3339 in UTC to the second, as AWS sends it.
const expirationLayout = "2006-01-02T15:04:05Z"

// xmlDoc appends AWS's indented documents to b: two spaces per level, one
// element per line, no XML declaration, a final newline.
type xmlDoc struct {
	b     []byte
	depth int
}

const indentSpaces = "                " // 8 levels

func (d *xmlDoc) indent() {
	n := 2 * d.depth
	for n > len(indentSpaces) {
		d.b = append(d.b, indentSpaces...)
		n -= len(indentSpaces)
	}
	d.b = append(d.b, indentSpaces[:n]...)
}

func (d *xmlDoc) open(name, xmlns string) {
	d.indent()
	d.b = append(d.b, '<')
	d.b = append(d.b, name...)
	if xmlns != "" {
		d.b = append(d.b, ` xmlns="`...)
		d.b = append(d.b, xmlns...)
		d.b = append(d.b, '"')
	}
	d.b = append(d.b, ">\n"...)
	d.depth++
}

func (d *xmlDoc) close(name string) {
	d.depth--
	d.indent()
	d.b = append(d.b, "</"...)
	d.b = append(d.b, name...)
	d.b = append(d.b, ">\n"...)
}

func (d *xmlDoc) leaf(name, text string) {
	d.indent()
	d.b = append(d.b, '<')
	d.b = append(d.b, name...)
	d.b = append(d.b, '>')
	d.b = appendText(d.b, text)
	d.b = append(d.b, "</"...)
	d.b = append(d.b, name...)
	d.b = append(d.b, ">\n"...)
}

// appendText appends s escaped as XML character data the way AWS does (&,
// <, >; quotes stay literal). Characters XML 1.0 cannot carry, and invalid
// UTF-8, become U+FFFD so that an echoed parameter never breaks a client's
// parser; a carriage return is written as a reference so parsers keep it.
// Runs of characters that need nothing are copied at once.
func appendText(b []byte, s string) []byte {
	done := 0 // s[:done] is in b
	for i := 0; i < len(s); {
		c := s[i]
		var esc string
		size := 1
		switch {
		case c >= 0x20 && c < utf8.RuneSelf && c != '&' && c != '<' && c != '>':
			i++
			continue
		case c == '\t' || c == '\n':
			i++
			continue
		case c == '&':
			esc = "&amp;"
		case c == '<':
			esc = "&lt;"
		case c == '>':
			esc = "&gt;"
		case c == '\r':
			esc = "&#xD;"
		case c < 0x20:
			esc = string(utf8.RuneError)
		default:
			var r rune
			r, size = utf8.DecodeRuneInString(s[i:])
			if (r != utf8.RuneError || size != 1) && xmlChar(r) {
				i += size
				continue // valid UTF-8 of an XML character (U+FFFD included): as is
			}
			esc = string(utf8.RuneError)
		}
		b = append(b, s[done:i]...)
		b = append(b, esc...)
		i += size
		done = i
	}
	return append(b, s[done:]...)
}

// xmlChar is XML 1.0's Char production.
func xmlChar(r rune) bool {
	return r == '\t' || r == '\n' || r == '\r' ||
		(r >= 0x20 && r <= 0xD7FF) || (r >= 0xE000 && r <= 0xFFFD) || (r >= 0x10000 && r <= 0x10FFFF)
}

// successXML renders AssumeRoleWithWebIdentityResponse. PackedPolicySize is
// included only when the request carried a session policy.
func successXML(out *sts.WebIdentityOutput, packed bool, requestID string) []byte {
	return appendSuccessXML(make([]byte, 0, successXMLSize(out, requestID)), out, packed, requestID)
}

// successXMLSize is the length of the success document when nothing needs
// escaping: the markup with Expiration and PackedPolicySize (at most 750
// bytes) plus the texts.
func successXMLSize(out *sts.WebIdentityOutput, requestID string) int {
	return 750 + len(out.SubjectFromWebIdentityToken) + len(out.Audience) + len(out.AssumedRoleID) +
		len(out.AssumedRoleARN) + len(out.AccessKeyID) + len(out.SecretAccessKey) + len(out.SessionToken) +
		len(out.Provider) + len(requestID)
}

// appendSuccessXML appends the document of successXML to dst.
func appendSuccessXML(dst []byte, out *sts.WebIdentityOutput, packed bool, requestID string) []byte {
	d := xmlDoc{b: dst}
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
	var exp [len(expirationLayout)]byte
	d.leaf("Expiration", string(out.Expiration.UTC().Truncate(time.Second).AppendFormat(exp[:0], expirationLayout)))
	d.close("Credentials")
	if packed {
		var n [20]byte
		d.leaf("PackedPolicySize", string(strconv.AppendInt(n[:0], int64(out.PackedPolicySize), 10)))
	}
	if out.Provider != "" {
		d.leaf("Provider", out.Provider)
	}
	d.close("AssumeRoleWithWebIdentityResult")
	d.open("ResponseMetadata", "")
	d.leaf("RequestId", requestID)
	d.close("ResponseMetadata")
	d.close("AssumeRoleWithWebIdentityResponse")
	return d.b
}

// errorXML renders AWS's ErrorResponse.
func errorXML(e *apiError, requestID string) []byte {
	d := xmlDoc{b: make([]byte, 0, 300+len(e.Code)+len(e.Message)+len(requestID))}
	d.open("ErrorResponse", e.namespace())
	d.open("Error", "")
	d.leaf("Type", e.typ())
	d.leaf("Code", e.Code)
	d.leaf("Message", e.Message)
	d.close("Error")
	d.leaf("RequestId", requestID)
	d.close("ErrorResponse")
	return d.b
}
