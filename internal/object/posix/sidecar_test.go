package posix

import (
	"path/filepath"
	"testing"
)

// TestSidecarFileIsJoin: the concatenating sidecarFile names the path
// filepath.Join would.
func TestSidecarFileIsJoin(t *testing.T) {
	t.Parallel()
	b := &Backend{internal: filepath.Join("/data", internalDir)}
	for _, rel := range []string{"k", "a/b/c.txt", "dir/" + markerName, "x.json/y"} {
		for _, ino := range []uint64{1, 42, 1<<64 - 1} {
			want := filepath.Join(b.metaRoot(), "bkt", filepath.FromSlash(sidecarPath(rel, ino)))
			if got := b.sidecarFile("bkt", rel, ino); got != want {
				t.Errorf("sidecarFile(%q, %d) = %q, want %q", rel, ino, got, want)
			}
		}
	}
}
