package s3api

import (
	"errors"
	"net/url"
	"testing"

	"github.com/fedstore/fedstore/internal/object"
)

// FuzzListParams: decoding never panics, and whatever it accepts is in bounds.
// Seeds: testdata/fuzz/FuzzListParams.
func FuzzListParams(f *testing.F) {
	f.Add("list-type=2&prefix=a/&delimiter=/&max-keys=10&encoding-type=url&fetch-owner=true", true)
	f.Add("marker=x&max-keys=-5", false)
	f.Add("list-type=2&continuation-token="+encodeToken("k"), true)
	f.Fuzz(func(t *testing.T, query string, v2 bool) {
		q, err := url.ParseQuery(query)
		if err != nil {
			return
		}
		p, err := decodeListParams(q, v2)
		if err != nil {
			var ae *apiError
			if !errors.As(err, &ae) || ae.code != codeInvalidArgument {
				t.Fatalf("error %v is not InvalidArgument", err)
			}
			return
		}
		if p.opts.MaxKeys < 0 || p.opts.MaxKeys > maxListKeys {
			t.Fatalf("MaxKeys %d out of bounds", p.opts.MaxKeys)
		}
		if p.opts.Prefix != q.Get("prefix") || p.opts.Delimiter != q.Get("delimiter") {
			t.Fatalf("prefix/delimiter changed: %+v", p.opts)
		}
	})
}

// FuzzDeleteObjectsXML: the DeleteObjects body decoder never panics and only
// accepts 1..1000 objects.
func FuzzDeleteObjectsXML(f *testing.F) {
	f.Add([]byte(`<Delete><Object><Key>a</Key></Object><Quiet>true</Quiet></Delete>`))
	f.Add([]byte(`<Delete xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Object><Key>a&amp;b</Key><VersionId>null</VersionId></Object></Delete>`))
	f.Add([]byte(`<Delete></Delete>`))
	f.Add([]byte(`<Delete><Object><Key>a</Key></Object></Delete><x/>`))
	f.Fuzz(func(t *testing.T, body []byte) {
		req, err := decodeDeleteRequest(body)
		if err != nil {
			var ae *apiError
			if !errors.As(err, &ae) || ae.code != codeMalformedXML {
				t.Fatalf("error %v is not MalformedXML", err)
			}
			return
		}
		if n := len(req.Objects); n < 1 || n > maxDeleteObjects {
			t.Fatalf("accepted %d objects", n)
		}
	})
}

// FuzzCompleteMultipartXML: the CompleteMultipartUpload body decoder never
// panics and only returns parts with numbers in range and a quoted ETag.
func FuzzCompleteMultipartXML(f *testing.F) {
	f.Add([]byte(`<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>"a"</ETag><ChecksumCRC32>AAAAAA==</ChecksumCRC32></Part></CompleteMultipartUpload>`))
	f.Add([]byte(`<CompleteMultipartUpload><Part><PartNumber>0</PartNumber><ETag>a</ETag></Part></CompleteMultipartUpload>`))
	f.Add([]byte(`<CompleteMultipartUpload/>`))
	f.Fuzz(func(t *testing.T, body []byte) {
		parts, err := decodeCompleteRequest(body)
		if err != nil {
			var ae *apiError
			if !errors.As(err, &ae) {
				t.Fatalf("error %v is not an S3 error", err)
			}
			return
		}
		if len(parts) == 0 {
			t.Fatal("accepted no parts")
		}
		for _, p := range parts {
			if p.PartNumber < 1 || p.PartNumber > object.MaxPartNumber {
				t.Fatalf("part number %d accepted", p.PartNumber)
			}
			if len(p.ETag) < 3 || p.ETag[0] != '"' || p.ETag[len(p.ETag)-1] != '"' {
				t.Fatalf("ETag %q not normalised", p.ETag)
			}
		}
	})
}
