package posix

import (
	"bytes"
	"errors"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/fedstore/fedstore/internal/object"
	"github.com/fedstore/fedstore/internal/object/objecttest"
)

// openModes are the two ways GET and HEAD open object files: openat2 (when
// the kernel has it) and os.Root, forced as on a kernel without openat2.
var openModes = []struct {
	name    string
	openat2 bool
}{{"openat2", true}, {"os.Root", false}}

// setupMode is setup with object files opened the given way.
func setupMode(t *testing.T, openat2 bool) (*Backend, string) {
	t.Helper()
	b, dir := setup(t, false)
	if !openat2 {
		b.roots.openat2.Store(openat2Off)
		return b, dir
	}
	r, err := b.acquireBucket("bkt")
	if err != nil {
		t.Fatal(err)
	}
	defer r.release()
	if !b.useOpenat2(r) {
		t.Skip("the kernel has no openat2")
	}
	return b, dir
}

// TestOpenKeyModes: what GET and HEAD answer for regular files, missing
// keys, special files, directories, symbolic links and keys trying to leave
// the bucket, the same through openat2 and os.Root, but where openat2 is
// stricter: it follows no symbolic link at all, and a link is no object
// (os.Root follows one that stays inside the bucket, even as the last
// component, and refuses one that leaves it with an error of its own).
func TestOpenKeyModes(t *testing.T) {
	t.Parallel()
	const (
		ok        = iota
		noSuchKey // ErrNoSuchKey
		failure   // some error
	)
	cases := []struct {
		key             string
		openat2, osRoot int
	}{
		{"obj", ok, ok},
		{"d/e/nested", ok, ok},
		{"missing", noSuchKey, noSuchKey},
		{"d/missing", noSuchKey, noSuchKey},
		{"nodir/x", noSuchKey, noSuchKey},
		{"obj/under-a-file", noSuchKey, noSuchKey},
		{"d", noSuchKey, noSuchKey},   // a directory (a prefix)
		{"d/e", noSuchKey, noSuchKey}, // a directory (a prefix)
		{"fifo", noSuchKey, noSuchKey},
		{"link-in", noSuchKey, ok}, // os.Root follows a final link despite O_NOFOLLOW
		{"link-out", noSuchKey, failure},
		{"dirlink-in/nested", noSuchKey, ok}, // a link to d/e, inside the bucket
		{"dirlink-out/secret", noSuchKey, failure},
		{"../outside/secret", noSuchKey, noSuchKey}, // invalid keys cannot exist
		{"d/../obj", noSuchKey, noSuchKey},
		{"/abs", noSuchKey, noSuchKey},
		{"./obj", noSuchKey, noSuchKey},
		{"d//e/nested", noSuchKey, noSuchKey},
	}
	for _, mode := range openModes {
		t.Run(mode.name, func(t *testing.T) {
			t.Parallel()
			b, dir := setupMode(t, mode.openat2)
			outside := filepath.Join(filepath.Dir(dir), "outside") // DATA/outside: a sibling of the bucket
			mustDo(t, os.MkdirAll(outside, 0o755))
			mustDo(t, os.WriteFile(filepath.Join(outside, "secret"), []byte("secret"), 0o644))
			putBytes(t, b, "obj", []byte("data"), object.Metadata{})
			putBytes(t, b, "d/e/nested", []byte("nested"), object.Metadata{})
			mustDo(t, os.Symlink("obj", filepath.Join(dir, "link-in")))
			mustDo(t, os.Symlink(filepath.Join(outside, "secret"), filepath.Join(dir, "link-out")))
			mustDo(t, os.Symlink("d/e", filepath.Join(dir, "dirlink-in")))
			mustDo(t, os.Symlink(outside, filepath.Join(dir, "dirlink-out")))
			if err := unix.Mkfifo(filepath.Join(dir, "fifo"), 0o644); err != nil {
				t.Fatalf("mkfifo: %v", err)
			}
			for _, c := range cases {
				want := c.osRoot
				if mode.openat2 {
					want = c.openat2
				}
				data, getErr := getWithin(t, b, c.key)
				_, headErr := b.HeadObject(t.Context(), "bkt", c.key)
				for _, res := range []struct {
					op  string
					err error
				}{{"GET", getErr}, {"HEAD", headErr}} {
					switch {
					case want == ok && res.err != nil:
						t.Errorf("%s %q: %v, want success", res.op, c.key, res.err)
					case want == noSuchKey && !errors.Is(res.err, object.ErrNoSuchKey):
						t.Errorf("%s %q: %v, want ErrNoSuchKey", res.op, c.key, res.err)
					case want == failure && (res.err == nil || errors.Is(res.err, object.ErrNoSuchKey)):
						t.Errorf("%s %q: %v, want an error other than ErrNoSuchKey", res.op, c.key, res.err)
					}
				}
				if bytes.Contains(data, []byte("secret")) {
					t.Errorf("GET %q read %q from outside the bucket", c.key, data)
				}
			}
		})
	}
}

// getWithin is a GET of key in "bkt" that must not block (a FIFO), reading
// the whole body.
func getWithin(t *testing.T, b *Backend, key string) ([]byte, error) {
	t.Helper()
	type result struct {
		data []byte
		err  error
	}
	done := make(chan result, 1)
	go func() {
		o, err := b.GetObject(t.Context(), "bkt", key)
		if err != nil {
			done <- result{nil, err}
			return
		}
		defer o.Body.Close()
		data, err := io.ReadAll(o.Body)
		done <- result{data, err}
	}()
	select {
	case r := <-done:
		return r.data, r.err
	case <-time.After(10 * time.Second):
		t.Fatalf("GET %q blocked", key)
		return nil, nil
	}
}

func mustDo(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// TestOpenat2Beneath: the kernel itself keeps openat2Object inside the
// directory (keyToPath refuses these paths before they get there), and
// openat2Error calls each refusal ErrNoSuchKey.
func TestOpenat2Beneath(t *testing.T) {
	t.Parallel()
	b, dir := setupMode(t, true)
	putBytes(t, b, "d/obj", []byte("x"), object.Metadata{})
	mustDo(t, os.Symlink("obj", filepath.Join(dir, "d", "link")))
	mustDo(t, os.Symlink("d", filepath.Join(dir, "dlink")))
	mustDo(t, os.Symlink("/proc/self/root/etc/passwd", filepath.Join(dir, "magic")))
	r, err := b.acquireBucket("bkt")
	if err != nil {
		t.Fatal(err)
	}
	defer r.release()
	for _, c := range []struct {
		rel  string
		want unix.Errno
	}{
		{"../bkt/d/obj", unix.EXDEV},
		{"d/../../bkt/d/obj", unix.EXDEV},
		{filepath.Join(dir, "d/obj"), unix.EXDEV}, // absolute
		{"/etc/passwd", unix.EXDEV},
		{"d/link", unix.ELOOP},
		{"dlink/obj", unix.ELOOP},
		{"magic", unix.ELOOP},
		{"d/obj/x", unix.ENOTDIR},
		{"d/none", unix.ENOENT},
	} {
		fd, err := openat2Object(r.fd, c.rel)
		if err == nil {
			unix.Close(fd)
		}
		if err != c.want {
			t.Errorf("openat2Object(%q) = %v, want %v", c.rel, err, c.want)
			continue
		}
		if err := openat2Error("bkt", "k", c.rel, err); !errors.Is(err, object.ErrNoSuchKey) {
			t.Errorf("openat2Error(%v) = %v, want ErrNoSuchKey", c.want, err)
		}
	}
	// ".." that stays beneath is resolved (keys never have it).
	fd, err := openat2Object(r.fd, "d/../d/obj")
	if err != nil {
		t.Fatalf("openat2Object(d/../d/obj) = %v", err)
	}
	unix.Close(fd)
}

// TestOpenat2OtherErrors: errors that do not mean "no such key" stay
// failures, worded as os.Root words them.
func TestOpenat2OtherErrors(t *testing.T) {
	t.Parallel()
	err := openat2Error("bkt", "a/k", "a/k", unix.EACCES)
	if errors.Is(err, object.ErrNoSuchKey) || !errors.Is(err, os.ErrPermission) {
		t.Fatalf("EACCES: %v", err)
	}
	if got, want := err.Error(), "posix: open bkt/a/k: openat a/k: permission denied"; got != want {
		t.Errorf("EACCES: %q, want %q", got, want)
	}
	for _, errno := range []unix.Errno{unix.ENOENT, unix.ENOTDIR, unix.ELOOP, unix.EISDIR, unix.EXDEV} {
		if err := openat2Error("bkt", "k", "k", errno); !errors.Is(err, object.ErrNoSuchKey) {
			t.Errorf("%v: %v, want ErrNoSuchKey", errno, err)
		}
	}
}

// TestOpenInUsesMode: openIn opens with openat2 unless it is off, and then
// through os.Root; the probe finds the kernel's answer once.
func TestOpenInUsesMode(t *testing.T) {
	t.Parallel()
	for _, mode := range openModes {
		t.Run(mode.name, func(t *testing.T) {
			t.Parallel()
			b, _ := setupMode(t, mode.openat2)
			putBytes(t, b, "k", []byte("x"), object.Metadata{})
			r, err := b.acquireBucket("bkt")
			if err != nil {
				t.Fatal(err)
			}
			defer r.release()
			o, at2, err := b.openIn(r, "k")
			if err != nil {
				t.Fatal(err)
			}
			defer o.close()
			if at2 != mode.openat2 || (o.f == nil) != mode.openat2 {
				t.Errorf("openIn: openat2 %v, file %v; want openat2 %v", at2, o.f != nil, mode.openat2)
			}
			want := openat2Off
			if mode.openat2 {
				want = openat2On
			}
			if got := b.roots.openat2.Load(); got != want {
				t.Errorf("mode %d, want %d", got, want)
			}
		})
	}
}

// TestSocketIsNoObject: a unix socket in the bucket is not an object (open
// answers ENXIO); it must not read as one either way.
func TestSocketIsNoObject(t *testing.T) {
	t.Parallel()
	for _, mode := range openModes {
		t.Run(mode.name, func(t *testing.T) {
			t.Parallel()
			b, dir := setupMode(t, mode.openat2)
			name := filepath.Join(dir, "sock")
			if len(name) > 100 {
				t.Skip("path too long for a unix socket")
			}
			l, err := net.Listen("unix", name)
			if err != nil {
				t.Skipf("listen: %v", err)
			}
			defer l.Close()
			if _, err := b.GetObject(t.Context(), "bkt", "sock"); err == nil {
				t.Errorf("GetObject(sock) succeeded")
			}
			if _, err := b.HeadObject(t.Context(), "bkt", "sock"); err == nil {
				t.Errorf("HeadObject(sock) succeeded")
			}
		})
	}
}

// TestBucketReplacedOpenModes: the stale-root retry of openKey works either way.
func TestBucketReplacedOpenModes(t *testing.T) {
	t.Parallel()
	for _, mode := range openModes {
		t.Run(mode.name, func(t *testing.T) {
			t.Parallel()
			b, dir := setupMode(t, mode.openat2)
			putBytes(t, b, "old", []byte("old data"), object.Metadata{})
			if data, err := readObject(t, b, "old"); err != nil || string(data) != "old data" {
				t.Fatalf("GET old: %q, %v", data, err)
			}
			replaceBucketDir(t, dir)
			if data, err := readObject(t, b, "a/new"); err != nil || string(data) != "new data" {
				t.Errorf("GET a/new: %q, %v", data, err)
			}
			if _, err := b.HeadObject(t.Context(), "bkt", "old"); !errors.Is(err, object.ErrNoSuchKey) {
				t.Errorf("HEAD old: %v, want ErrNoSuchKey", err)
			}
			os.RemoveAll(dir)
			if _, err := b.HeadObject(t.Context(), "bkt", "a/new"); !errors.Is(err, object.ErrNoSuchBucket) {
				t.Errorf("HEAD after the bucket's removal: %v, want ErrNoSuchBucket", err)
			}
		})
	}
}

// TestConformanceOSRoot runs the conformance suite with object files opened
// through os.Root, as on a kernel without openat2.
func TestConformanceOSRoot(t *testing.T) {
	t.Parallel()
	objecttest.Run(t, func(t *testing.T) object.Backend {
		b := newTestBackend(t, false)
		b.roots.openat2.Store(openat2Off)
		return b
	})
}

// TestSyntheticMetaFromFD: a file dropped in by hand (no metadata) reads
// the same through a raw descriptor as through readMeta.
func TestSyntheticMetaFromFD(t *testing.T) {
	t.Parallel()
	for _, sidecar := range []bool{false, true} {
		b, dir := setup(t, sidecar)
		putBytes(t, b, "meta", []byte("with metadata"), object.Metadata{ContentType: "text/x", User: map[string]string{"a": "b"}})
		mustDo(t, os.WriteFile(filepath.Join(dir, "plain"), []byte("by hand"), 0o644))
		for _, key := range []string{"meta", "plain"} {
			got, err := b.HeadObject(t.Context(), "bkt", key)
			if err != nil {
				t.Fatal(err)
			}
			f, err := os.Open(filepath.Join(dir, key))
			if err != nil {
				t.Fatal(err)
			}
			want, err := b.readMeta(f, "bkt", key, key)
			f.Close()
			if err != nil {
				t.Fatal(err)
			}
			if got.ETag != want.ETag || got.Size != want.Size || !got.LastModified.Equal(want.LastModified) ||
				got.Metadata.ContentType != want.Metadata.ContentType || len(got.Metadata.User) != len(want.Metadata.User) {
				t.Errorf("sidecar=%v %s: readMetaFD %+v, readMeta %+v", sidecar, key, got, want)
			}
			if key == "plain" && (!strings.HasSuffix(got.ETag, `-1"`) || got.Metadata.ContentType != defaultContentType) {
				t.Errorf("plain: %+v", got)
			}
		}
	}
}
