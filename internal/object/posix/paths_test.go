package posix

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fedstore/fedstore/internal/object"
)

func TestKeyToPath(t *testing.T) {
	t.Parallel()
	tests := []struct {
		key  string
		want string // "" means ErrInvalidKey
	}{
		{"a", "a"},
		{"a/b/c.txt", "a/b/c.txt"},
		{"a/", "a/" + markerName},
		{"a/b/", "a/b/" + markerName},
		{"..a/b..", "..a/b.."},
		{"é/日本", "é/日本"},
		{"a b/ c", "a b/ c"},
		{"x.fedstore", "x.fedstore"},
		{"", ""},
		{"/", ""},
		{"/a", ""},
		{"a//b", ""},
		{"a//", ""},
		{".", ""},
		{"..", ""},
		{"a/./b", ""},
		{"a/../b", ""},
		{"../a", ""},
		{"a/..", ""},
		{"a/../", ""},
		{"nul\x00", ""},
		{strings.Repeat("n", 256), ""},
		{strings.Repeat("n", 255), strings.Repeat("n", 255)},
		{markerName, ""},
		{"a/" + markerName, ""},
		{".fedstore", ""},
		{".fedstore-meta/x", ""},
		{"bad\xff", ""},
		{strings.Repeat("a/", 512) + "b", ""},
	}
	for _, tc := range tests {
		got, err := keyToPath(tc.key)
		if tc.want == "" {
			if !errors.Is(err, object.ErrInvalidKey) {
				t.Errorf("keyToPath(%q) = %q, %v; want ErrInvalidKey", tc.key, got, err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("keyToPath(%q) = %q, %v; want %q", tc.key, got, err, tc.want)
		}
		if back := pathToKey(got); back != tc.key {
			t.Errorf("pathToKey(%q) = %q, want %q", got, back, tc.key)
		}
	}
}

// FuzzKeyToPath: any key maps to an error or to a path inside the bucket
// directory that maps back to the same key.
func FuzzKeyToPath(f *testing.F) {
	for _, s := range []string{"a", "a/b", "a/", "../x", "a/../../b", "/etc/passwd", "a//b", ".", "é/", markerName, "x/.fedstore-meta/y"} {
		f.Add(s)
	}
	bucketDir := filepath.FromSlash("/data/bucket")
	f.Fuzz(func(t *testing.T, key string) {
		rel, err := keyToPath(key)
		if err != nil {
			if !errors.Is(err, object.ErrInvalidKey) {
				t.Fatalf("keyToPath(%q): error %v does not wrap ErrInvalidKey", key, err)
			}
			return
		}
		full := filepath.Join(bucketDir, filepath.FromSlash(rel))
		r, err := filepath.Rel(bucketDir, full)
		if err != nil || r == "." || escapes(r) || filepath.IsAbs(rel) {
			t.Fatalf("keyToPath(%q) = %q leaves the bucket (%q, %v)", key, rel, r, err)
		}
		if filepath.ToSlash(r) != rel {
			t.Fatalf("keyToPath(%q) = %q is not clean (cleans to %q)", key, rel, r)
		}
		if back := pathToKey(rel); back != key {
			t.Fatalf("pathToKey(keyToPath(%q)) = %q", key, back)
		}
		for seg := range strings.SplitSeq(rel, "/") {
			if len(seg) > maxSegment || (strings.HasPrefix(seg, reservedPrefix) && seg != markerName) {
				t.Fatalf("keyToPath(%q) = %q has segment %q", key, rel, seg)
			}
		}
		if strings.HasSuffix(rel, "/"+markerName) != strings.HasSuffix(key, "/") {
			t.Fatalf("keyToPath(%q) = %q: marker mismatch", key, rel)
		}
		side := sidecarPath(rel, 42)
		if sr, err := filepath.Rel("/m", filepath.Join("/m", side)); err != nil || escapes(sr) {
			t.Fatalf("sidecar of %q leaves the meta dir: %q", key, side)
		}
	})
}

// escapes reports whether a filepath.Rel result leads out of its base.
func escapes(r string) bool {
	return r == ".." || strings.HasPrefix(r, ".."+string(filepath.Separator))
}
