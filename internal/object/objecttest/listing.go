package objecttest

import (
	"fmt"
	"sort"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/fedstore/fedstore/internal/object"
)

// trickyKeys sort differently by bytes than by a naive directory walk.
func trickyKeys() []string {
	return []string{
		"a-c", "a/b", "a/c/", "a/c/d", "a0", "a.txt", "a/", "b/", "b/x/", "b/x/y",
		"é", "z", "日本/語", "日本-x", "space key", "Zed", "~tilde", "a/c/d-e", "a/c/d0",
	}
}

func testListOrder(t *testing.T, b object.Backend) {
	mustCreateBucket(t, b, "bkt")
	tricky := trickyKeys()
	for _, k := range tricky {
		put(t, b, "bkt", k, []byte(k))
	}
	want := append([]string(nil), tricky...)
	sort.Strings(want)
	if got := listAll(t, b, "bkt"); !cmp.Equal(got, want) {
		t.Fatalf("listing order:\n got %q\nwant %q", got, want)
	}
	for _, k := range tricky {
		if got, _ := get(t, b, "bkt", k); string(got) != k {
			t.Errorf("%q reads %q", k, got)
		}
	}
	checkAgainstReference(t, b, "bkt", tricky, []int{1, 2, 3, 1000})
}

// pagingKeys builds 200+ keys in nested directories, with folder markers.
func pagingKeys() []string {
	var keys []string
	for i := range 6 {
		for j := range 6 {
			for k := range 5 {
				keys = append(keys, fmt.Sprintf("d%d/s%d/f%d", i, j, k))
			}
			keys = append(keys, fmt.Sprintf("d%d/s%d-file", i, j))
		}
		keys = append(keys, fmt.Sprintf("d%d/", i), fmt.Sprintf("d%d-top", i), fmt.Sprintf("top%d", i))
	}
	return keys
}

func testListPaging(t *testing.T, b object.Backend) {
	mustCreateBucket(t, b, "bkt")
	keys := pagingKeys()
	if len(keys) < 200 {
		t.Fatalf("only %d keys", len(keys))
	}
	for _, k := range keys {
		put(t, b, "bkt", k, nil)
	}
	sizes := []int{1000}
	for n := 1; n <= 25; n++ {
		sizes = append(sizes, n)
	}
	sizes = append(sizes, 37, 100, 229, 230, 231)
	checkAgainstReference(t, b, "bkt", keys, sizes)
}

// checkAgainstReference pages through the bucket with every combination of
// prefix, delimiter and page size and compares each page with ReferenceList.
func checkAgainstReference(t *testing.T, b object.Backend, bucket string, keys []string, sizes []int) {
	t.Helper()
	prefixes := []string{"", "d1/", "d", "a/", "a/c", "d2/s3/", "nothing", "日"}
	for _, prefix := range prefixes {
		for _, delim := range []string{"", "/", "-"} {
			for _, size := range sizes {
				marker := ""
				for page := 0; ; page++ {
					if page > len(keys)+1 {
						t.Fatalf("prefix %q delimiter %q size %d: paging does not end", prefix, delim, size)
					}
					opts := object.ListOptions{Prefix: prefix, Delimiter: delim, Marker: marker, MaxKeys: size}
					res, err := b.ListObjects(ctx(t), bucket, opts)
					if err != nil {
						t.Fatalf("ListObjects(%+v): %v", opts, err)
					}
					ref := ReferenceList(keys, prefix, delim, marker, size)
					if diff := cmp.Diff(ref, pageOf(res), cmpopts.EquateEmpty()); diff != "" {
						t.Fatalf("ListObjects(%+v) (-reference +got):\n%s", opts, diff)
					}
					if !res.IsTruncated {
						break
					}
					marker = res.NextMarker
				}
			}
		}
	}
}

func pageOf(res object.ListResult) RefPage {
	p := RefPage{CommonPrefixes: res.CommonPrefixes, IsTruncated: res.IsTruncated, NextMarker: res.NextMarker}
	for _, o := range res.Objects {
		p.Keys = append(p.Keys, o.Key)
	}
	return p
}

func testListEdgeCases(t *testing.T, b object.Backend) {
	mustCreateBucket(t, b, "bkt")
	for _, k := range []string{"a/1", "a/2", "b", "c/1"} {
		put(t, b, "bkt", k, []byte("x"))
	}
	tests := []struct {
		name string
		opts object.ListOptions
		want RefPage
	}{
		{"max-keys 0", object.ListOptions{MaxKeys: 0}, RefPage{IsTruncated: true}},
		{"max-keys 0 at the end", object.ListOptions{Marker: "c/1"}, RefPage{}},
		{"marker inside a common prefix skips it", object.ListOptions{Delimiter: "/", Marker: "a/1", MaxKeys: 10},
			RefPage{Keys: []string{"b"}, CommonPrefixes: []string{"c/"}, NextMarker: "c/"}},
		{"marker equal to a common prefix", object.ListOptions{Delimiter: "/", Marker: "a/", MaxKeys: 1},
			RefPage{Keys: []string{"b"}, IsTruncated: true, NextMarker: "b"}},
		{"common prefix counts toward max-keys", object.ListOptions{Delimiter: "/", MaxKeys: 2},
			RefPage{Keys: []string{"b"}, CommonPrefixes: []string{"a/"}, IsTruncated: true, NextMarker: "b"}},
		{"next marker is a common prefix", object.ListOptions{Delimiter: "/", MaxKeys: 1},
			RefPage{CommonPrefixes: []string{"a/"}, IsTruncated: true, NextMarker: "a/"}},
		{"marker past everything", object.ListOptions{Marker: "zzz", MaxKeys: 10}, RefPage{}},
		{"marker between keys", object.ListOptions{Marker: "a/15", MaxKeys: 10},
			RefPage{Keys: []string{"a/2", "b", "c/1"}, NextMarker: "c/1"}},
		{"multi-character delimiter", object.ListOptions{Delimiter: "/1", MaxKeys: 10},
			RefPage{Keys: []string{"a/2", "b"}, CommonPrefixes: []string{"a/1", "c/1"}, NextMarker: "c/1"}},
	}
	for _, tc := range tests {
		res, err := b.ListObjects(ctx(t), "bkt", tc.opts)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if diff := cmp.Diff(tc.want, pageOf(res), cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tc.name, diff)
		}
	}
}
