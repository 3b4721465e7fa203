package posix

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/fedstore/fedstore/internal/object"
)

// TestTempCleanup: a restarted backend removes the temp files of a process
// that died mid-write (its lock is gone) at once, keeps those of a live one,
// and removes loose temp files only once they are stale.
func TestTempCleanup(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		ownerDies bool
		wantGone  bool
	}{
		{"dead owner: removed at start", true, true},
		{"live owner: kept", false, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			first, err := New(dir, Options{})
			if err != nil {
				t.Fatal(err)
			}
			f, err := first.createTempFile() // a PUT in progress
			if err != nil {
				t.Fatal(err)
			}
			if _, err := f.WriteString("half an object"); err != nil {
				t.Fatal(err)
			}
			f.Close()
			if tc.ownerDies {
				first.tmpLock.Close() // what the kernel does when the process dies
			}
			second, err := New(dir, Options{})
			if err != nil {
				t.Fatal(err)
			}
			_, err = os.Stat(f.Name())
			if gone := errors.Is(err, fs.ErrNotExist); gone != tc.wantGone {
				t.Errorf("temp file of the first backend: gone=%v, want %v (stat: %v)", gone, tc.wantGone, err)
			}
			if second.tmp == first.tmp || filepath.Dir(second.tmp) != filepath.Dir(first.tmp) {
				t.Errorf("second backend's temp dir %q, first's %q: want distinct siblings", second.tmp, first.tmp)
			}
			g, err := second.createTempFile()
			if err != nil {
				t.Fatalf("second backend cannot create temps: %v", err)
			}
			discardTemp(g)
		})
	}
}

func TestTempCleanupLooseFiles(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	root := filepath.Join(dir, internalDir, "tmp")
	if err := os.MkdirAll(root, 0o755); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	files := map[string]time.Time{
		"stale":                      now.Add(-staleTemp - time.Hour),
		"young":                      now.Add(-time.Hour),
		newInstancePrefix + "abc123": now.Add(-staleTemp - time.Hour), // died before its rename
	}
	for name, mt := range files {
		p := filepath.Join(root, name)
		if err := os.WriteFile(p, []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(p, mt, mt); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := New(dir, Options{}); err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]bool{"stale": false, "young": true, newInstancePrefix + "abc123": false} {
		_, err := os.Stat(filepath.Join(root, name))
		if exists := err == nil; exists != want {
			t.Errorf("%s: exists=%v, want %v", name, exists, want)
		}
	}
}

func TestNoSpace(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"nil", nil, false},
		{"ENOSPC from a write", fmt.Errorf("posix: reading body: %w", &fs.PathError{Op: "write", Path: "/x", Err: syscall.ENOSPC}), true},
		{"EDQUOT from a rename", fmt.Errorf("posix: rename: %w", syscall.EDQUOT), true},
		{"already marked", fmt.Errorf("%w: full", object.ErrNoSpace), true},
		{"other I/O error", fmt.Errorf("posix: %w", syscall.EIO), false},
		{"domain error", object.ErrNoSuchBucket, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := noSpace(tc.err)
			if errors.Is(got, object.ErrNoSpace) != tc.want {
				t.Errorf("noSpace(%v) = %v; ErrNoSpace=%v, want %v", tc.err, got, !tc.want, tc.want)
			}
			if tc.err != nil && !errors.Is(got, tc.err) {
				t.Errorf("noSpace(%v) lost the original error: %v", tc.err, got)
			}
		})
	}
}
