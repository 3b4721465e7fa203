package posix

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/fedstore/fedstore/internal/object"
	"github.com/fedstore/fedstore/internal/object/objecttest"
)

// TestWalkIsBounded: prefix, marker and max-keys limit the directories read.
func TestWalkIsBounded(t *testing.T) {
	t.Parallel()
	b, _ := setup(t, false)
	for d := range 20 {
		for f := range 3 {
			putBytes(t, b, fmt.Sprintf("d%02d/sub/f%d", d, f), nil, object.Metadata{})
		}
	}
	tests := []struct {
		name     string
		opts     object.ListOptions
		maxReads int
		first    string
	}{
		{"everything", object.ListOptions{MaxKeys: 1000}, 41, "d00/sub/f0"},
		{"prefix", object.ListOptions{Prefix: "d07/", MaxKeys: 1000}, 2, "d07/sub/f0"},
		{"deep prefix", object.ListOptions{Prefix: "d07/sub/f", MaxKeys: 1000}, 1, "d07/sub/f0"},
		{"missing prefix directory", object.ListOptions{Prefix: "nope/x", MaxKeys: 1000}, 1, ""},
		{"prefix below an object", object.ListOptions{Prefix: "d00/sub/f0/", MaxKeys: 1000}, 1, ""},
		{"traversal prefix", object.ListOptions{Prefix: "../bkt/", MaxKeys: 1000}, 0, ""},
		{"prefix inside a name", object.ListOptions{Prefix: "d1", MaxKeys: 1000}, 21, "d10/sub/f0"},
		{"marker", object.ListOptions{Marker: "d18/sub/f2", MaxKeys: 1000}, 5, "d19/sub/f0"},
		{"max-keys", object.ListOptions{MaxKeys: 2}, 3, "d00/sub/f0"},
		{"delimiter", object.ListOptions{Delimiter: "/", MaxKeys: 5}, 1 + 6*2, ""},
	}
	for _, tc := range tests {
		r, err := b.openBucket("bkt")
		if err != nil {
			t.Fatal(err)
		}
		w := &walker{b: b, r: r, bucket: "bkt"}
		res, err := object.List(t.Context(), w, tc.opts)
		r.Close()
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if w.reads > tc.maxReads {
			t.Errorf("%s: read %d directories, want at most %d", tc.name, w.reads, tc.maxReads)
		}
		if tc.first != "" && (len(res.Objects) == 0 || res.Objects[0].Key != tc.first) {
			t.Errorf("%s: first key %+v, want %s", tc.name, res.Objects, tc.first)
		}
	}
}

// TestWalkMatchesReference lists a random tree (folder markers, names that
// sort around '/') with random parameters and compares every page with the
// in-memory reference.
func TestWalkMatchesReference(t *testing.T) {
	t.Parallel()
	b, _ := setup(t, false)
	rng := rand.New(rand.NewPCG(1, 2))
	alphabet := []string{"a", "b", "-", "0", "/", "é", "~"}
	randKey := func(n int) string {
		var sb strings.Builder
		for range n {
			sb.WriteString(alphabet[rng.IntN(len(alphabet))])
		}
		return sb.String()
	}
	var keys []string
	for range 300 {
		key := randKey(1 + rng.IntN(7))
		_, err := b.PutObject(t.Context(), "bkt", key, strings.NewReader(""), object.PutOptions{Size: 0})
		switch {
		case err == nil:
			if !slices.Contains(keys, key) {
				keys = append(keys, key)
			}
		case errors.Is(err, object.ErrInvalidKey), errors.Is(err, object.ErrKeyConflict):
		default:
			t.Fatalf("PutObject(%q): %v", key, err)
		}
	}
	if len(keys) < 100 {
		t.Fatalf("only %d keys stored", len(keys))
	}
	for range 400 {
		opts := object.ListOptions{MaxKeys: rng.IntN(12)}
		if rng.IntN(2) == 0 {
			opts.Prefix = randKey(rng.IntN(3))
		}
		if rng.IntN(2) == 0 {
			opts.Delimiter = alphabet[rng.IntN(len(alphabet))]
		}
		if rng.IntN(2) == 0 {
			opts.Marker = randKey(rng.IntN(5))
		}
		res, err := b.ListObjects(t.Context(), "bkt", opts)
		if err != nil {
			t.Fatalf("ListObjects(%+v): %v", opts, err)
		}
		got := objecttest.RefPage{CommonPrefixes: res.CommonPrefixes, IsTruncated: res.IsTruncated, NextMarker: res.NextMarker}
		for _, o := range res.Objects {
			got.Keys = append(got.Keys, o.Key)
		}
		want := objecttest.ReferenceList(keys, opts.Prefix, opts.Delimiter, opts.Marker, opts.MaxKeys)
		if diff := cmp.Diff(want, got, cmpopts.EquateEmpty()); diff != "" {
			t.Fatalf("ListObjects(%+v) (-reference +got):\n%s", opts, diff)
		}
	}
}
