package object

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func TestListUploads(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	u := func(key, id string, sec int) Upload {
		return Upload{Key: key, UploadID: id, Initiated: t0.Add(time.Duration(sec) * time.Second)}
	}
	ups := []Upload{u("b", "05", 5), u("a", "03", 3), u("a", "01", 1), u("a/x", "02", 2), u("a/y", "04", 4), u("c", "06", 6)}
	ids := func(r ListUploadsResult) []string {
		var out []string
		for _, x := range r.Uploads {
			out = append(out, x.Key+":"+x.UploadID)
		}
		return out
	}
	tests := []struct {
		name      string
		opts      ListUploadsOptions
		want      []string
		prefixes  []string
		truncated bool
		nextKey   string
		nextID    string
	}{
		{"all in key then time order", ListUploadsOptions{}, []string{"a:01", "a:03", "a/x:02", "a/y:04", "b:05", "c:06"}, nil, false, "c", "06"},
		{"page", ListUploadsOptions{MaxUploads: 2}, []string{"a:01", "a:03"}, nil, true, "a", "03"},
		{"key marker only skips the key", ListUploadsOptions{KeyMarker: "a"}, []string{"a/x:02", "a/y:04", "b:05", "c:06"}, nil, false, "c", "06"},
		{"id marker within the key", ListUploadsOptions{KeyMarker: "a", UploadIDMarker: "01", MaxUploads: 1}, []string{"a:03"}, nil, true, "a", "03"},
		{"delimiter", ListUploadsOptions{Delimiter: "/"}, []string{"a:01", "a:03", "b:05", "c:06"}, []string{"a/"}, false, "c", "06"},
		{"prefix counts toward the page", ListUploadsOptions{Delimiter: "/", MaxUploads: 3}, []string{"a:01", "a:03"}, []string{"a/"}, true, "a/", ""},
		{"marker at the prefix skips it", ListUploadsOptions{Delimiter: "/", KeyMarker: "a/"}, []string{"b:05", "c:06"}, nil, false, "c", "06"},
		{"prefix", ListUploadsOptions{Prefix: "a/"}, []string{"a/x:02", "a/y:04"}, nil, false, "a/y", "04"},
	}
	for _, tc := range tests {
		res, err := ListUploads(ups, tc.opts)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if diff := cmp.Diff(tc.want, ids(res), cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("%s uploads (-want +got):\n%s", tc.name, diff)
		}
		if diff := cmp.Diff(tc.prefixes, res.CommonPrefixes, cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("%s prefixes (-want +got):\n%s", tc.name, diff)
		}
		if res.IsTruncated != tc.truncated || res.NextKeyMarker != tc.nextKey || res.NextUploadIDMarker != tc.nextID {
			t.Errorf("%s: truncated %v next %q/%q, want %v %q/%q", tc.name, res.IsTruncated, res.NextKeyMarker, res.NextUploadIDMarker, tc.truncated, tc.nextKey, tc.nextID)
		}
	}
	if ups[0].Key != "b" {
		t.Errorf("ListUploads reordered its input")
	}
	if _, err := ListUploads(ups, ListUploadsOptions{MaxUploads: -1}); err == nil {
		t.Errorf("negative max-uploads accepted")
	}
}
