package objecttest

import (
	"bytes"
	"sort"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/fedstore/fedstore/internal/object"
)

func testListUploads(t *testing.T, b object.Backend) {
	mustCreateBucket(t, b, "bkt")
	type up struct{ key, id string }
	var created []up
	for _, k := range []string{"b", "a/x", "a", "b", "a/y", "c", "a"} {
		id, err := b.CreateMultipartUpload(ctx(t), "bkt", k, object.PutOptions{})
		if err != nil {
			t.Fatal(err)
		}
		created = append(created, up{k, id})
	}
	// Key order, then initiation order.
	want := []up{created[2], created[6], created[1], created[4], created[0], created[3], created[5]}
	res, err := b.ListMultipartUploads(ctx(t), "bkt", object.ListUploadsOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var got []up
	for _, u := range res.Uploads {
		got = append(got, up{u.Key, u.UploadID})
		if u.Initiated.IsZero() {
			t.Errorf("upload %s has no initiation time", u.UploadID)
		}
	}
	if diff := cmp.Diff(want, got, cmp.AllowUnexported(up{})); diff != "" {
		t.Fatalf("ListMultipartUploads order (-want +got):\n%s", diff)
	}
	// Paging one by one walks the same list.
	got = nil
	opts := object.ListUploadsOptions{MaxUploads: 1}
	for range 20 {
		res, err := b.ListMultipartUploads(ctx(t), "bkt", opts)
		if err != nil {
			t.Fatal(err)
		}
		for _, u := range res.Uploads {
			got = append(got, up{u.Key, u.UploadID})
		}
		if !res.IsTruncated {
			break
		}
		opts.KeyMarker, opts.UploadIDMarker = res.NextKeyMarker, res.NextUploadIDMarker
	}
	if diff := cmp.Diff(want, got, cmp.AllowUnexported(up{})); diff != "" {
		t.Fatalf("paged ListMultipartUploads (-want +got):\n%s", diff)
	}
	// Delimiter and prefix.
	res, err = b.ListMultipartUploads(ctx(t), "bkt", object.ListUploadsOptions{Delimiter: "/"})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"a/"}, res.CommonPrefixes); diff != "" || len(res.Uploads) != 5 {
		t.Fatalf("with delimiter: %+v", res)
	}
	res, err = b.ListMultipartUploads(ctx(t), "bkt", object.ListUploadsOptions{Prefix: "a/"})
	if err != nil || len(res.Uploads) != 2 || res.Uploads[0].Key != "a/x" {
		t.Fatalf("with prefix a/: %+v, %v", res, err)
	}
	// Uploads never show as objects.
	if keys := listAll(t, b, "bkt"); len(keys) != 0 {
		t.Fatalf("uploads list as objects: %q", keys)
	}
}

func testListParts(t *testing.T, b object.Backend) {
	mustCreateBucket(t, b, "bkt")
	id, err := b.CreateMultipartUpload(ctx(t), "bkt", "k", object.PutOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var want []object.PartInfo
	for _, n := range []int{5, 1, 3, 10000, 2} {
		p := uploadPart(t, b, "bkt", "k", id, n, bytes.Repeat([]byte{byte(n)}, n%50+1), nil)
		want = append(want, p)
	}
	sort.Slice(want, func(i, j int) bool { return want[i].PartNumber < want[j].PartNumber })
	var got []object.PartInfo
	opts := object.ListPartsOptions{MaxParts: 2}
	for range 10 {
		res, err := b.ListParts(ctx(t), "bkt", "k", id, opts)
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Parts) > 2 || res.Initiated.IsZero() {
			t.Fatalf("page %+v", res)
		}
		got = append(got, res.Parts...)
		if !res.IsTruncated {
			break
		}
		opts.PartNumberMarker = res.NextPartNumberMarker
	}
	if diff := cmp.Diff(want, got, cmpopts.EquateApproxTime(0)); diff != "" {
		t.Fatalf("ListParts (-want +got):\n%s", diff)
	}
}
