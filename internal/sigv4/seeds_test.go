package sigv4

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the fuzz seed corpus in testdata/fuzz")

// TestWriteFuzzSeeds regenerates testdata/fuzz with -update; the seeds are
// then run by every plain `go test` through the Fuzz* targets.
func TestWriteFuzzSeeds(t *testing.T) {
	if !*update {
		t.Skip("run with -update to regenerate testdata/fuzz")
	}
	auth := "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, SignedHeaders=host;range;x-amz-date, Signature=" + goodSig
	headers := []string{
		auth,
		strings.ReplaceAll(auth, ", ", ","),
		"AWS4-HMAC-SHA256 Signature=" + goodSig + ",SignedHeaders=host,Credential=AK/20130524/us-east-1/s3/aws4_request",
		"AWS AKIAIOSFODNN7EXAMPLE:frJIUN8DYpKDtOLCwo//yllqDzg=",
		"AWS4-HMAC-SHA256 Credential=AK/20130524/us-east-1/s3, SignedHeaders=host, Signature=abc",
		"AWS4-HMAC-SHA256 Credential=a/b/c/d/e/f/aws4_request,SignedHeaders=host;;,Signature=",
		"AWS4-HMAC-SHA256 ,,,,=,=",
		"AWS4-HMAC-SHA256 Credential=AK/20130524/us-east-1/s3/aws4_request, SignedHeaders=x-amz-date;host, Signature=" + goodSig,
	}
	for i, h := range headers {
		writeSeed(t, "FuzzParseAuthorization", i, fmt.Sprintf("string(%s)", strconv.Quote(h)))
	}
	crc := CRC32.Checksum([]byte("hello"))
	type chunkSeed struct {
		body            string
		signed, trailer bool
		decoded         uint16
	}
	chunks := []chunkSeed{
		{"5\r\nhello\r\n0\r\nx-amz-checksum-crc32:" + crc + "\r\n\r\n", false, true, 5},
		{string(encodeChunked([]byte("signed data in chunks"), 8, testSigning(), nil)), true, false, 21},
		{string(encodeChunked([]byte("signed data with trailer"), 8, testSigning(), [][2]string{{"x-amz-checksum-crc32", crc}})), true, true, 24},
		{"5\r\nhel", false, false, 5},
		{"ffffffffffffffff\r\n", false, false, 100},
		{"0\r\n\r\n\r\nx-amz-checksum-crc32:AAAAAA==\r\n", false, true, 0},
		{"3;chunk-signature=zz\r\nabc\r\n", true, false, 3},
		{"1\r\na\r\n0\r\nx-amz-trailer-signature:00\r\n\r\n", false, true, 1},
	}
	for i, c := range chunks {
		writeSeed(t, "FuzzChunkedReader", i, fmt.Sprintf("[]byte(%s)\nbool(%v)\nbool(%v)\nuint16(%d)", strconv.Quote(c.body), c.signed, c.trailer, c.decoded))
	}
	type canonSeed struct{ method, path, query, hname, hval string }
	canons := []canonSeed{
		{"PUT", "/bkt/a%20b+c=d/%E6%97%A5", "uploads&x-id=PutObject&prefix=a+b%2F", "X-Amz-Meta-A", "  two   spaces "},
		{"GET", "/", "", "Range", "bytes=0-9"},
		{"POST", "/bkt/k", "uploads=", "Content-Type", "application/xml"},
		{"GET", "/bkt/", "list-type=2&prefix=%C3%BC&delimiter=%2F&max-keys=10", "", ""},
		{"GET", "/bkt/%zz", "a=%zz", "x", "y"},
		{"DELETE", "//double//slash/./..", "versionId=a%3Db&&&", "X-Amz-Meta-\u00fc", "v"},
	}
	for i, c := range canons {
		writeSeed(t, "FuzzCanonicalize", i, fmt.Sprintf("string(%s)\nstring(%s)\nstring(%s)\nstring(%s)\nstring(%s)",
			strconv.Quote(c.method), strconv.Quote(c.path), strconv.Quote(c.query), strconv.Quote(c.hname), strconv.Quote(c.hval)))
	}
}

func writeSeed(t *testing.T, target string, i int, body string) {
	t.Helper()
	dir := filepath.Join("testdata", "fuzz", target)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	name := filepath.Join(dir, fmt.Sprintf("seed-%02d", i))
	if err := os.WriteFile(name, []byte("go test fuzz v1\n"+body+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
}
