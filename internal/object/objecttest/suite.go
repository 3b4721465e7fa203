package objecttest

import (
	"bytes"
	"context"
	"crypto/md5"
	"errors"
	"io"
	"testing"

	"github.com/fedstore/fedstore/internal/object"
)

// Run runs the conformance suite. newBackend returns a fresh, empty backend
// for one subtest (subtests run in parallel).
func Run(t *testing.T, newBackend func(t *testing.T) object.Backend) {
	t.Helper()
	tests := []struct {
		name string
		fn   func(t *testing.T, b object.Backend)
	}{
		{"Buckets", testBuckets},
		{"BucketNames", testBucketNames},
		{"DeleteBucket", testDeleteBucket},
		{"PutGetHeadDelete", testPutGetHeadDelete},
		{"MetadataRoundTrip", testMetadata},
		{"ContentMD5", testContentMD5},
		{"SizeMismatch", testSizeMismatch},
		{"FailingBody", testFailingBody},
		{"ConcurrentPut", testConcurrentPut},
		{"InvalidKeys", testInvalidKeys},
		{"TraversalKeys", testTraversalKeys},
		{"KeyConflicts", testKeyConflicts},
		{"ListOrder", testListOrder},
		{"ListPaging", testListPaging},
		{"ListEdgeCases", testListEdgeCases},
		{"MultipartHappyPath", testMultipartHappy},
		{"MultipartErrors", testMultipartErrors},
		{"MultipartChecksum", testMultipartChecksum},
		{"ListMultipartUploads", testListUploads},
		{"ListParts", testListParts},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.fn(t, newBackend(t))
		})
	}
}

func ctx(t *testing.T) context.Context { return t.Context() }

func mustCreateBucket(t *testing.T, b object.Backend, name string) {
	t.Helper()
	if err := b.CreateBucket(ctx(t), name); err != nil {
		t.Fatalf("CreateBucket(%q): %v", name, err)
	}
}

func put(t *testing.T, b object.Backend, bucket, key string, data []byte) object.ObjectInfo {
	t.Helper()
	info, err := b.PutObject(ctx(t), bucket, key, bytes.NewReader(data), object.PutOptions{Size: int64(len(data))})
	if err != nil {
		t.Fatalf("PutObject(%q, %q): %v", bucket, key, err)
	}
	return info
}

func get(t *testing.T, b object.Backend, bucket, key string) ([]byte, object.ObjectInfo) {
	t.Helper()
	o, err := b.GetObject(ctx(t), bucket, key)
	if err != nil {
		t.Fatalf("GetObject(%q, %q): %v", bucket, key, err)
	}
	defer o.Body.Close()
	data, err := io.ReadAll(o.Body)
	if err != nil {
		t.Fatalf("reading %q: %v", key, err)
	}
	return data, o.Info
}

func md5of(data []byte) []byte {
	s := md5.Sum(data)
	return s[:]
}

// wantErr fails unless errors.Is(err, want).
func wantErr(t *testing.T, what string, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("%s: got error %v, want %v", what, err, want)
	}
}

// absent fails unless the key does not exist.
func absent(t *testing.T, b object.Backend, bucket, key string) {
	t.Helper()
	if _, err := b.HeadObject(ctx(t), bucket, key); !errors.Is(err, object.ErrNoSuchKey) {
		t.Fatalf("HeadObject(%q, %q) = %v, want ErrNoSuchKey", bucket, key, err)
	}
}

// listAll returns every key of the bucket (no delimiter), paging by 1000.
func listAll(t *testing.T, b object.Backend, bucket string) []string {
	t.Helper()
	var keys []string
	opts := object.ListOptions{MaxKeys: 1000}
	for {
		res, err := b.ListObjects(ctx(t), bucket, opts)
		if err != nil {
			t.Fatalf("ListObjects(%q): %v", bucket, err)
		}
		for _, o := range res.Objects {
			keys = append(keys, o.Key)
		}
		if !res.IsTruncated {
			return keys
		}
		opts.Marker = res.NextMarker
	}
}
