package e2e

import (
	"encoding/json"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// TestAWSCLI runs the common scenario with the pyenv AWS CLI v1 (http: signed
// payload; https: STREAMING-UNSIGNED-PAYLOAD-TRAILER in chunked framing) and
// the Debian AWS CLI v2 (Content-MD5 style).
func TestAWSCLI(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		v1   bool
		tls  bool
		wire []string // request header lines the client must have sent
	}{
		{"v1-http", true, false, []string{"x-amz-content-sha256: <signed>", "x-amz-checksum-crc32"}},
		{"v1-https", true, true, []string{"x-amz-content-sha256: STREAMING-UNSIGNED-PAYLOAD-TRAILER", "x-amz-trailer: x-amz-checksum-crc32", "content-encoding: aws-chunked", "transfer-encoding: chunked"}},
		{"v2-http", false, false, []string{"x-amz-content-sha256: <signed>", "content-md5"}},
		{"v2-https", false, true, []string{"x-amz-content-sha256: UNSIGNED-PAYLOAD", "content-md5"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			bin := "/usr/bin/aws"
			if tc.v1 {
				bin = awsV1(t)
			} else {
				bin = requireTool(t, bin)
			}
			srv := startServer(t, tc.tls)
			awsCLIScenario(t, runner{t: t, bin: bin, env: awsEnv(t, srv)}, srv, bucketName("awscli-"+strings.SplitN(tc.name, "-", 2)[0], tc.tls))
			srv.Wire.assertSaw(t, tc.wire...)
		})
	}
}

func awsCLIScenario(t *testing.T, r runner, srv *server, bucket string) {
	f := newFixture(t)
	ep := []string{"--endpoint-url", srv.Wire.URL, "--output", "json"}
	aws := func(args ...string) string {
		t.Helper()
		return r.run(append(append([]string{}, ep...), args...)...)
	}
	s3 := "s3://" + bucket

	aws("s3api", "create-bucket", "--bucket", bucket)
	// list-buckets shows it.
	var lb struct{ Buckets []struct{ Name string } }
	mustJSON(t, aws("s3api", "list-buckets"), &lb)
	if !containsName(lb.Buckets, bucket) {
		t.Fatalf("list-buckets does not show %q: %+v", bucket, lb.Buckets)
	}

	aws("s3", "cp", f.smallPath, s3+"/dir/small.bin")
	aws("s3", "cp", f.bigPath, s3+"/big.bin") // multipart above 8 MiB
	srv.assertStoredFile(t, bucket, "dir/small.bin", f.small)
	srv.assertStoredFile(t, bucket, "big.bin", f.big)

	// s3 ls (ListObjectsV2 with delimiter) and s3api list-objects-v2.
	ls := aws("s3", "ls", s3+"/")
	if !strings.Contains(ls, "PRE dir/") || !strings.Contains(ls, "big.bin") {
		t.Fatalf("aws s3 ls: want PRE dir/ and big.bin, got:\n%s", ls)
	}
	wantListing(t, aws("s3api", "list-objects-v2", "--bucket", bucket), map[string]int64{"big.bin": bigSize, "dir/small.bin": smallSize})

	// Get both and compare (the big one is fetched with ranged GETs).
	out := t.TempDir()
	aws("s3", "cp", s3+"/dir/small.bin", filepath.Join(out, "small"))
	aws("s3", "cp", s3+"/big.bin", filepath.Join(out, "big"))
	assertFile(t, filepath.Join(out, "small"), f.small)
	assertFile(t, filepath.Join(out, "big"), f.big)

	// Copy: CopyObject for the small one, a multipart copy (UploadPartCopy)
	// for the big one.
	aws("s3api", "copy-object", "--bucket", bucket, "--key", "small-copy.bin", "--copy-source", bucket+"/dir/small.bin")
	aws("s3", "cp", s3+"/big.bin", s3+"/big-copy.bin")
	var head struct{ ContentLength int64 }
	mustJSON(t, aws("s3api", "head-object", "--bucket", bucket, "--key", "small-copy.bin"), &head)
	if head.ContentLength != smallSize {
		t.Fatalf("head-object small-copy.bin: ContentLength %d, want %d", head.ContentLength, smallSize)
	}
	aws("s3", "cp", s3+"/small-copy.bin", filepath.Join(out, "small-copy"))
	aws("s3", "cp", s3+"/big-copy.bin", filepath.Join(out, "big-copy"))
	assertFile(t, filepath.Join(out, "small-copy"), f.small)
	assertFile(t, filepath.Join(out, "big-copy"), f.big)

	// Delete one object alone (DeleteObject), the rest with s3 rm --recursive
	// (DeleteObject per key), then the bucket.
	aws("s3api", "delete-object", "--bucket", bucket, "--key", "small-copy.bin")
	aws("s3", "rm", "--recursive", s3+"/")
	wantListing(t, aws("s3api", "list-objects-v2", "--bucket", bucket), map[string]int64{})
	aws("s3api", "delete-bucket", "--bucket", bucket)
	if _, errOut, err := r.try(append(append([]string{}, ep...), "s3api", "head-bucket", "--bucket", bucket)...); err == nil {
		t.Fatalf("head-bucket after delete-bucket succeeded; want 404")
	} else if !strings.Contains(errOut, "404") {
		t.Fatalf("head-bucket after delete-bucket: want a 404, got: %s", errOut)
	}
	srv.assertBucketGone(t, bucket)
}

func mustJSON(t *testing.T, s string, v any) {
	t.Helper()
	if strings.TrimSpace(s) == "" {
		s = "{}"
	}
	if err := json.Unmarshal([]byte(s), v); err != nil {
		t.Fatalf("parse JSON %q: %v", clip(s), err)
	}
}

func containsName(bs []struct{ Name string }, name string) bool {
	for _, b := range bs {
		if b.Name == name {
			return true
		}
	}
	return false
}

// wantListing checks an `s3api list-objects-v2` JSON answer: exactly these
// keys (in S3 order) with these sizes.
func wantListing(t *testing.T, out string, want map[string]int64) {
	t.Helper()
	var l struct {
		Contents []struct {
			Key  string
			Size int64
			ETag string
		}
	}
	mustJSON(t, out, &l)
	var keys []string
	got := map[string]int64{}
	for _, c := range l.Contents {
		keys = append(keys, c.Key)
		got[c.Key] = c.Size
		if c.ETag == "" {
			t.Errorf("listing: %s has no ETag", c.Key)
		}
	}
	if !sort.StringsAreSorted(keys) {
		t.Errorf("listing not in S3 order: %v", keys)
	}
	if len(got) != len(want) {
		t.Fatalf("listing: got %v, want %v", got, want)
	}
	for k, n := range want {
		if got[k] != n {
			t.Fatalf("listing: got %v, want %v", got, want)
		}
	}
}
