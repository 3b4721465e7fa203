package s3api

import (
	"crypto/md5"
	"crypto/subtle"
	"encoding/xml"
	"errors"
	"io"
	"strings"

	"github.com/fedstore/fedstore/internal/object"
)

// maxKeyLength is S3's limit on an object key, in bytes.
const maxKeyLength = object.MaxKeyLength

// validBucketName applies S3's bucket naming rules (object.ValidateBucketName)
// and says which rule failed.
func validBucketName(b string) error {
	if err := object.ValidateBucketName(b); err != nil {
		why := strings.TrimPrefix(err.Error(), object.ErrInvalidBucketName.Error()+": ")
		return apiErrorf(codeInvalidBucketName, "The specified bucket is not valid: %s.", why)
	}
	return nil
}

// validKey applies the backend-independent key rules with S3's codes.
func validKey(key string) error {
	if len(key) > maxKeyLength {
		return apiErrorf(codeKeyTooLong, "Your key is too long: %d bytes, the maximum is %d.", len(key), maxKeyLength)
	}
	if err := object.ValidateKey(key); err != nil {
		why := strings.TrimPrefix(err.Error(), object.ErrInvalidKey.Error()+": ")
		return apiErrorf(codeInvalidArgument, "The object key is not valid: %s.", why)
	}
	return nil
}

// readBody reads at most limit bytes of the (verifying) request body. A larger
// body is MaxMessageLengthExceeded; a verification failure is returned as is.
func readBody(body io.Reader, limit int64) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(body, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > limit {
		return nil, apiErrorf(codeMaxMessageLengthExceeded, "Your request was too big: the XML body may be at most %d bytes.", limit)
	}
	return b, nil
}

// readRequestXML reads an XML request body of at most limit bytes and checks
// its Content-MD5, if sent (authn verifies the other digests as it reads).
func readRequestXML(rq *request, limit int64) ([]byte, error) {
	want, err := contentMD5(rq.r.Header)
	if err != nil {
		return nil, err
	}
	b, err := readBody(rq.auth.Body, limit)
	if err != nil {
		return nil, err
	}
	if want != nil {
		got := md5.Sum(b)
		if subtle.ConstantTimeCompare(got[:], want) != 1 {
			return nil, apiErrorf(codeBadDigest, "The Content-MD5 you specified did not match what we received.")
		}
	}
	return b, nil
}

// decodeXML decodes an XML request document into v. Any syntax error, a
// different root element or trailing garbage is MalformedXML.
func decodeXML(b []byte, v any) error {
	d := xml.NewDecoder(strings.NewReader(string(b)))
	d.Strict = true
	if err := d.Decode(v); err != nil {
		return apiErrorf(codeMalformedXML, "The XML you provided was not well-formed or did not validate against our published schema: %s.", xmlReason(err))
	}
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return apiErrorf(codeMalformedXML, "The XML you provided was not well-formed: %s.", xmlReason(err))
		}
		switch t := tok.(type) {
		case xml.CharData:
			if strings.TrimSpace(string(t)) != "" {
				return apiErrorf(codeMalformedXML, "The XML you provided has content after the document element.")
			}
		case xml.Comment, xml.ProcInst:
		default:
			return apiErrorf(codeMalformedXML, "The XML you provided has content after the document element.")
		}
	}
}

func xmlReason(err error) string {
	var se *xml.SyntaxError
	if errors.As(err, &se) {
		return se.Error()
	}
	if errors.Is(err, io.EOF) {
		return "the body is empty"
	}
	return err.Error()
}
