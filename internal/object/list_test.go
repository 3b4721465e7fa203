package object_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/fedstore/fedstore/internal/object"
	"github.com/fedstore/fedstore/internal/object/objecttest"
)

func objs(keys []string) []object.ObjectInfo {
	out := make([]object.ObjectInfo, len(keys))
	for i, k := range keys {
		out[i] = object.ObjectInfo{Key: k}
	}
	return out
}

func page(res object.ListResult) objecttest.RefPage {
	p := objecttest.RefPage{CommonPrefixes: res.CommonPrefixes, IsTruncated: res.IsTruncated, NextMarker: res.NextMarker}
	for _, o := range res.Objects {
		p.Keys = append(p.Keys, o.Key)
	}
	return p
}

var listKeys = []string{"a-c", "a/b", "a/b/c", "a/", "a0", "b", "c/d/e", "c/d/f", "c/e", "é", "日本/x", "z/"}

func TestList(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		opts object.ListOptions
		want objecttest.RefPage
	}{
		{"all", object.ListOptions{MaxKeys: 100}, objecttest.RefPage{Keys: []string{"a-c", "a/", "a/b", "a/b/c", "a0", "b", "c/d/e", "c/d/f", "c/e", "z/", "é", "日本/x"}, NextMarker: "日本/x"}},
		{"delimiter", object.ListOptions{Delimiter: "/", MaxKeys: 100}, objecttest.RefPage{Keys: []string{"a-c", "a0", "b", "é"}, CommonPrefixes: []string{"a/", "c/", "z/", "日本/"}, NextMarker: "日本/"}},
		{"prefix and delimiter", object.ListOptions{Prefix: "c/", Delimiter: "/", MaxKeys: 100}, objecttest.RefPage{Keys: []string{"c/e"}, CommonPrefixes: []string{"c/d/"}, NextMarker: "c/e"}},
		{"truncated at a prefix", object.ListOptions{Delimiter: "/", MaxKeys: 2}, objecttest.RefPage{Keys: []string{"a-c"}, CommonPrefixes: []string{"a/"}, IsTruncated: true, NextMarker: "a/"}},
		{"marker is that prefix", object.ListOptions{Delimiter: "/", Marker: "a/", MaxKeys: 2}, objecttest.RefPage{Keys: []string{"a0", "b"}, IsTruncated: true, NextMarker: "b"}},
		{"marker inside a prefix", object.ListOptions{Delimiter: "/", Marker: "c/d/e", MaxKeys: 1}, objecttest.RefPage{CommonPrefixes: []string{"z/"}, IsTruncated: true, NextMarker: "z/"}},
		{"max-keys 0", object.ListOptions{Marker: "b"}, objecttest.RefPage{IsTruncated: true, NextMarker: "b"}},
		{"max-keys above 1000", object.ListOptions{MaxKeys: 5000, Prefix: "a/"}, objecttest.RefPage{Keys: []string{"a/", "a/b", "a/b/c"}, NextMarker: "a/b/c"}},
	}
	for _, tc := range tests {
		res, err := object.List(t.Context(), object.NewSliceIterator(objs(listKeys)), tc.opts)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if diff := cmp.Diff(tc.want, page(res), cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tc.name, diff)
		}
		ref := objecttest.ReferenceList(listKeys, tc.opts.Prefix, tc.opts.Delimiter, tc.opts.Marker, min(tc.opts.MaxKeys, 1000))
		if diff := cmp.Diff(ref, page(res), cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("%s differs from the reference (-ref +got):\n%s", tc.name, diff)
		}
	}
}

// flakyIterator wraps a SliceIterator: some keys vanish before Info, and
// errors can be injected.
type flakyIterator struct {
	inner   *object.SliceIterator
	gone    map[string]bool
	seekErr error
	lie     bool
}

func (f *flakyIterator) Seek(ctx context.Context, prefix, after string) (object.Entry, bool, error) {
	if f.seekErr != nil {
		return object.Entry{}, false, f.seekErr
	}
	if f.lie {
		return object.Entry{Key: after}, true, nil
	}
	e, ok, err := f.inner.Seek(ctx, prefix, after)
	if ok && f.gone[e.Key] {
		e.Info = func() (object.ObjectInfo, error) { return object.ObjectInfo{}, object.ErrNoSuchKey }
	}
	return e, ok, err
}

func TestListIteratorFaults(t *testing.T) {
	t.Parallel()
	it := &flakyIterator{inner: object.NewSliceIterator(objs([]string{"a", "b", "c"})), gone: map[string]bool{"b": true, "c": true}}
	res, err := object.List(t.Context(), it, object.ListOptions{MaxKeys: 1})
	if err != nil || len(res.Objects) != 1 || res.IsTruncated {
		t.Errorf("keys deleted during the listing: %+v, %v (want a, not truncated)", res, err)
	}
	boom := errors.New("disk on fire")
	_, err = object.List(t.Context(), &flakyIterator{seekErr: boom}, object.ListOptions{MaxKeys: 1})
	if !errors.Is(err, boom) {
		t.Errorf("iterator error = %v, want %v", err, boom)
	}
	if _, err = object.List(t.Context(), &flakyIterator{lie: true}, object.ListOptions{MaxKeys: 1}); err == nil {
		t.Errorf("an iterator going backwards was not detected")
	}
	if _, err = object.List(t.Context(), it, object.ListOptions{MaxKeys: -1}); err == nil {
		t.Errorf("negative max-keys accepted")
	}
	cctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err = object.List(cctx, it, object.ListOptions{MaxKeys: 1}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled context: %v", err)
	}
}

// FuzzList compares object.List over a SliceIterator with the reference.
func FuzzList(f *testing.F) {
	f.Add("a-c\na/b\na/b/c\na0\né\nz/", "", "/", "", 2)
	f.Add("x/1\nx/2\ny", "x", "/", "x/", 1)
	f.Add("aa\nab\nb/a/b", "", "a", "a", 0)
	f.Add("a/b/c\na/b/d", "a/", "/", "a/b/", 3)
	f.Fuzz(func(t *testing.T, joined, prefix, delimiter, marker string, maxKeys int) {
		if maxKeys < 0 || maxKeys > 1000 || !utf8.ValidString(joined) {
			return
		}
		seen := map[string]bool{}
		var keys []string
		for k := range strings.SplitSeq(joined, "\n") {
			if k != "" && !seen[k] {
				seen[k] = true
				keys = append(keys, k)
			}
		}
		res, err := object.List(t.Context(), object.NewSliceIterator(objs(keys)), object.ListOptions{Prefix: prefix, Delimiter: delimiter, Marker: marker, MaxKeys: maxKeys})
		if err != nil {
			t.Fatal(err)
		}
		ref := objecttest.ReferenceList(keys, prefix, delimiter, marker, maxKeys)
		if diff := cmp.Diff(ref, page(res), cmpopts.EquateEmpty()); diff != "" {
			t.Fatalf("(-ref +got):\n%s", diff)
		}
	})
}
