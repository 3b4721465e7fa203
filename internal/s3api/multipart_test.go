package s3api

import (
	"regexp"
	"strings"
	"testing"
)

func TestMultipartHTTP(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	mustStatus(t, e.do(t, "PUT", "/bkt", ""), 200, "")
	mustStatus(t, e.do(t, "PUT", "/bkt/src", "0123456789"), 200, "")
	w := e.do(t, "POST", "/bkt/obj?uploads=", "", "X-Amz-Checksum-Algorithm: CRC32", "X-Amz-Meta-Team: a")
	mustStatus(t, w, 200, "")
	if w.Header().Get("X-Amz-Checksum-Algorithm") != "CRC32" {
		t.Errorf("CreateMultipartUpload headers %v", w.Header())
	}
	m := regexp.MustCompile(`<UploadId>([^<]+)</UploadId>`).FindStringSubmatch(w.Body.String())
	if m == nil {
		t.Fatalf("no upload id: %s", w.Body)
	}
	id := m[1]
	up := "/bkt/obj?uploadId=" + id

	mustStatus(t, e.do(t, "POST", "/bkt/obj?uploads", "", "X-Amz-Checksum-Algorithm: MD4"), 400, "InvalidArgument")
	mustStatus(t, e.do(t, "PUT", up+"&partNumber=0", "x"), 400, "InvalidArgument")
	mustStatus(t, e.do(t, "PUT", up+"&partNumber=10001", "x"), 400, "InvalidArgument")
	mustStatus(t, e.do(t, "PUT", "/bkt/obj?uploadId=nope&partNumber=1", "x"), 404, "NoSuchUpload")

	w = e.do(t, "PUT", up+"&partNumber=1", "part-one", "X-Test-Checksum: CRC32=AAAAAA==")
	mustStatus(t, w, 200, "")
	etag1 := w.Header().Get("ETag")
	if etag1 == "" || w.Header().Get("X-Amz-Checksum-Crc32") != "AAAAAA==" {
		t.Errorf("UploadPart headers %v", w.Header())
	}
	w = e.do(t, "PUT", up+"&partNumber=2", "", "X-Amz-Copy-Source: /bkt/src", "X-Amz-Copy-Source-Range: bytes=2-5")
	mustStatus(t, w, 200, "")
	if !strings.Contains(w.Body.String(), "<CopyPartResult") {
		t.Errorf("UploadPartCopy body %s", w.Body)
	}
	mustStatus(t, e.do(t, "PUT", up+"&partNumber=3", "", "X-Amz-Copy-Source: /bkt/src", "X-Amz-Copy-Source-Range: bytes=5-10"), 416, "InvalidRange")
	mustStatus(t, e.do(t, "PUT", up+"&partNumber=3", "", "X-Amz-Copy-Source: /bkt/src", "X-Amz-Copy-Source-Range: 5-6"), 400, "InvalidArgument")

	w = e.do(t, "GET", up+"&max-parts=1", "")
	mustStatus(t, w, 200, "")
	if !strings.Contains(w.Body.String(), "<IsTruncated>true</IsTruncated>") || !strings.Contains(w.Body.String(), "<NextPartNumberMarker>1</NextPartNumberMarker>") {
		t.Errorf("ListParts page 1: %s", w.Body)
	}
	w = e.do(t, "GET", up+"&part-number-marker=1", "")
	if !strings.Contains(w.Body.String(), "<PartNumber>2</PartNumber><LastModified>") || strings.Contains(w.Body.String(), "<PartNumber>1<") {
		t.Errorf("ListParts page 2: %s", w.Body)
	}
	mustStatus(t, e.do(t, "GET", up+"&max-parts=x", ""), 400, "InvalidArgument")
	w = e.do(t, "GET", "/bkt?uploads&prefix=o", "")
	if !strings.Contains(w.Body.String(), "<UploadId>"+id+"</UploadId>") {
		t.Errorf("ListMultipartUploads: %s", w.Body)
	}
	mustStatus(t, e.do(t, "GET", "/bkt?uploads&max-uploads=-1", ""), 400, "InvalidArgument")

	complete := func(parts ...string) string {
		return "<CompleteMultipartUpload>" + strings.Join(parts, "") + "</CompleteMultipartUpload>"
	}
	part := func(n, etag string) string {
		return "<Part><PartNumber>" + n + "</PartNumber><ETag>" + etag + "</ETag></Part>"
	}
	mustStatus(t, e.do(t, "POST", up, "<CompleteMultipartUpload>"), 400, "MalformedXML")
	mustStatus(t, e.do(t, "POST", up, complete()), 400, "MalformedXML")
	mustStatus(t, e.do(t, "POST", up, complete(part("1", `"0000"`))), 400, "InvalidPart")
	mustStatus(t, e.do(t, "POST", up, complete(part("2", "x"), part("1", etag1))), 400, "InvalidPartOrder")
	w = e.do(t, "POST", up, complete(part("1", etag1), part("2", "x")))
	mustStatus(t, w, 400, "")
	if !strings.Contains(w.Body.String(), "InvalidPart") && !strings.Contains(w.Body.String(), "EntityTooSmall") {
		t.Errorf("complete with a bad second part: %s", w.Body)
	}
	// The only part may be small: complete with part 1 alone.
	w = e.do(t, "POST", up, complete(part("1", strings.Trim(etag1, `"`))))
	mustStatus(t, w, 200, "")
	if !strings.Contains(w.Body.String(), "<Location>http://example.com/bkt/obj</Location>") || !strings.Contains(w.Body.String(), "-1&#34;</ETag>") {
		t.Errorf("CompleteMultipartUpload: %s", w.Body)
	}
	w = e.do(t, "GET", "/bkt/obj", "")
	if w.Body.String() != "part-one" || w.Header().Get("X-Amz-Meta-Team") != "a" || w.Header().Get("X-Amz-Mp-Parts-Count") != "1" {
		t.Errorf("completed object: %v %q", w.Header(), w.Body)
	}
	mustStatus(t, e.do(t, "DELETE", up, ""), 404, "NoSuchUpload")

	w = e.do(t, "POST", "/bkt/aborted?uploads", "")
	id2 := regexp.MustCompile(`<UploadId>([^<]+)</UploadId>`).FindStringSubmatch(w.Body.String())[1]
	mustStatus(t, e.do(t, "DELETE", "/bkt/aborted?uploadId="+id2, ""), 204, "")
	mustStatus(t, e.do(t, "GET", "/bkt/aborted?uploadId="+id2, ""), 404, "NoSuchUpload")
}
