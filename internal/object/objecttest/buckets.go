package objecttest

import (
	"bytes"
	"errors"
	"testing"

	"github.com/fedstore/fedstore/internal/object"
)

func testBuckets(t *testing.T, b object.Backend) {
	for _, n := range []string{"zeta", "alpha", "m.id-1"} {
		mustCreateBucket(t, b, n)
	}
	wantErr(t, "CreateBucket twice", b.CreateBucket(ctx(t), "alpha"), object.ErrBucketAlreadyOwnedByYou)
	list, err := b.ListBuckets(ctx(t))
	if err != nil {
		t.Fatalf("ListBuckets: %v", err)
	}
	var names []string
	for _, bi := range list {
		names = append(names, bi.Name)
		if bi.Created.IsZero() {
			t.Errorf("bucket %q has no creation time", bi.Name)
		}
	}
	if want := []string{"alpha", "m.id-1", "zeta"}; !equalStrings(names, want) {
		t.Fatalf("ListBuckets = %q, want %q", names, want)
	}
	if bi, err := b.HeadBucket(ctx(t), "alpha"); err != nil || bi.Name != "alpha" {
		t.Fatalf("HeadBucket(alpha) = %+v, %v", bi, err)
	}
	_, err = b.HeadBucket(ctx(t), "missing")
	wantErr(t, "HeadBucket(missing)", err, object.ErrNoSuchBucket)
	_, err = b.PutObject(ctx(t), "missing", "k", bytes.NewReader(nil), object.PutOptions{Size: 0})
	wantErr(t, "PutObject into a missing bucket", err, object.ErrNoSuchBucket)
	_, err = b.GetObject(ctx(t), "missing", "k")
	wantErr(t, "GetObject from a missing bucket", err, object.ErrNoSuchBucket)
	_, err = b.ListObjects(ctx(t), "missing", object.ListOptions{MaxKeys: 10})
	wantErr(t, "ListObjects of a missing bucket", err, object.ErrNoSuchBucket)
	_, err = b.CreateMultipartUpload(ctx(t), "missing", "k", object.PutOptions{})
	wantErr(t, "CreateMultipartUpload in a missing bucket", err, object.ErrNoSuchBucket)
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func testBucketNames(t *testing.T, b object.Backend) {
	tests := []struct {
		name string
		ok   bool
	}{
		{"abc", true},
		{"a-b.c1", true},
		{"123", true},
		{"a23456789012345678901234567890123456789012345678901234567890123", true},
		{"ab", false},
		{"a234567890123456789012345678901234567890123456789012345678901234", false},
		{"Abc", false},
		{"a_b", false},
		{"-ab", false},
		{"ab-", false},
		{".ab", false},
		{"ab.", false},
		{"a..b", false},
		{"a.-b", false},
		{"192.168.1.1", false},
		{".fedstore", false},
		{"a b", false},
		{"é-bucket", false},
	}
	for _, tc := range tests {
		err := b.CreateBucket(ctx(t), tc.name)
		if tc.ok && err != nil {
			t.Errorf("CreateBucket(%q) = %v, want success", tc.name, err)
		}
		if !tc.ok && !errors.Is(err, object.ErrInvalidBucketName) {
			t.Errorf("CreateBucket(%q) = %v, want ErrInvalidBucketName", tc.name, err)
		}
	}
	list, err := b.ListBuckets(ctx(t))
	if err != nil {
		t.Fatalf("ListBuckets: %v", err)
	}
	if len(list) != 4 {
		t.Fatalf("ListBuckets = %+v, want the 4 valid buckets only", list)
	}
}

func testDeleteBucket(t *testing.T, b object.Backend) {
	wantErr(t, "DeleteBucket(missing)", b.DeleteBucket(ctx(t), "missing"), object.ErrNoSuchBucket)
	mustCreateBucket(t, b, "full")
	put(t, b, "full", "dir/obj", []byte("x"))
	wantErr(t, "DeleteBucket with an object", b.DeleteBucket(ctx(t), "full"), object.ErrBucketNotEmpty)
	if err := b.DeleteObject(ctx(t), "full", "dir/obj"); err != nil {
		t.Fatalf("DeleteObject: %v", err)
	}
	id, err := b.CreateMultipartUpload(ctx(t), "full", "up", object.PutOptions{})
	if err != nil {
		t.Fatalf("CreateMultipartUpload: %v", err)
	}
	wantErr(t, "DeleteBucket with an upload", b.DeleteBucket(ctx(t), "full"), object.ErrBucketNotEmpty)
	if err := b.AbortMultipartUpload(ctx(t), "full", "up", id); err != nil {
		t.Fatalf("AbortMultipartUpload: %v", err)
	}
	if err := b.DeleteBucket(ctx(t), "full"); err != nil {
		t.Fatalf("DeleteBucket(empty): %v", err)
	}
	_, err = b.HeadBucket(ctx(t), "full")
	wantErr(t, "HeadBucket after delete", err, object.ErrNoSuchBucket)
	// A new bucket of the same name starts empty.
	mustCreateBucket(t, b, "full")
	if keys := listAll(t, b, "full"); len(keys) != 0 {
		t.Fatalf("recreated bucket lists %q", keys)
	}
	ups, err := b.ListMultipartUploads(ctx(t), "full", object.ListUploadsOptions{})
	if err != nil || len(ups.Uploads) != 0 {
		t.Fatalf("recreated bucket uploads = %+v, %v", ups, err)
	}
}
