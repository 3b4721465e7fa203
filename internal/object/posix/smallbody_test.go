package posix

import (
	"bytes"
	"errors"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/fedstore/fedstore/internal/object"
)

// TestGetBodies: objects up to maxMemBody are read into memory (their file
// closed), larger ones are their *os.File (sendfile); both read, seek and
// read at alike, and Info is the bytes read.
func TestGetBodies(t *testing.T) {
	t.Parallel()
	sizes := []int{0, 1, 4 << 10, maxMemBody - 1, maxMemBody, maxMemBody + 1, 1 << 20}
	for _, mode := range openModes {
		t.Run(mode.name, func(t *testing.T) {
			t.Parallel()
			b, _ := setupMode(t, mode.openat2)
			rng := rand.New(rand.NewPCG(1, 2))
			for _, size := range sizes {
				data := make([]byte, size)
				for i := range data {
					data[i] = byte(rng.Uint32())
				}
				key := "dir/obj" + string(rune('a'+len(data)%26))
				put := putBytes(t, b, key, data, object.Metadata{ContentType: "text/x"})
				o, err := b.GetObject(t.Context(), "bkt", key)
				if err != nil {
					t.Fatalf("size %d: %v", size, err)
				}
				_, isMem := o.Body.(*memBody)
				_, isFile := o.Body.(*os.File)
				if wantMem := size <= maxMemBody; isMem != wantMem || isFile == wantMem {
					t.Errorf("size %d: body %T", size, o.Body)
				}
				if o.Info.Size != int64(size) || o.Info.ETag != put.ETag || o.Info.Metadata.ContentType != "text/x" {
					t.Errorf("size %d: info %+v, put %+v", size, o.Info, put)
				}
				got, err := io.ReadAll(o.Body)
				if err != nil || !bytes.Equal(got, data) {
					t.Errorf("size %d: read %d bytes, %v", size, len(got), err)
				}
				if size > 2 {
					// A range, as s3api serves one: Seek, then read a limited length.
					start, n := int64(size/3), int64(size/2)
					if pos, err := o.Body.Seek(start, io.SeekStart); err != nil || pos != start {
						t.Fatalf("size %d: Seek = %d, %v", size, pos, err)
					}
					part, err := io.ReadAll(io.LimitReader(o.Body, n))
					if err != nil || !bytes.Equal(part, data[start:start+n]) {
						t.Errorf("size %d: range read %d bytes, %v", size, len(part), err)
					}
					at := make([]byte, 2)
					if n, err := o.Body.(io.ReaderAt).ReadAt(at, 1); n != 2 || err != nil || !bytes.Equal(at, data[1:3]) {
						t.Errorf("size %d: ReadAt = %d, %v", size, n, err)
					}
				}
				if err := o.Body.Close(); err != nil {
					t.Errorf("size %d: Close: %v", size, err)
				}
				if _, err := o.Body.Read(make([]byte, 1)); !errors.Is(err, os.ErrClosed) {
					t.Errorf("size %d: Read after Close: %v, want ErrClosed", size, err)
				}
				if _, err := o.Body.Seek(0, io.SeekStart); !errors.Is(err, os.ErrClosed) {
					t.Errorf("size %d: Seek after Close: %v, want ErrClosed", size, err)
				}
				if isMem {
					o.Body.Close() // a second Close is harmless
					if _, err := o.Body.(io.ReaderAt).ReadAt(make([]byte, 1), 0); !errors.Is(err, os.ErrClosed) {
						t.Errorf("size %d: ReadAt after Close: %v, want ErrClosed", size, err)
					}
				}
			}
		})
	}
}

// TestSmallGetClosesFile: a small object's file is closed when GetObject
// returns; a large one's stays open until Body is closed.
func TestSmallGetClosesFile(t *testing.T) {
	t.Parallel()
	b, dir := setupMode(t, true)
	putBytes(t, b, "small", make([]byte, maxMemBody), object.Metadata{})
	putBytes(t, b, "large", make([]byte, maxMemBody+1), object.Metadata{})
	small, err := b.GetObject(t.Context(), "bkt", "small")
	if err != nil {
		t.Fatal(err)
	}
	large, err := b.GetObject(t.Context(), "bkt", "large")
	if err != nil {
		t.Fatal(err)
	}
	if isOpen(t, filepath.Join(dir, "small")) || !isOpen(t, filepath.Join(dir, "large")) {
		t.Errorf("open: small %v, large %v; want false, true", isOpen(t, filepath.Join(dir, "small")), isOpen(t, filepath.Join(dir, "large")))
	}
	small.Body.Close()
	large.Body.Close()
	if isOpen(t, filepath.Join(dir, "large")) {
		t.Errorf("the large object's file is open after Close")
	}
}

// isOpen reports whether the process has a descriptor open on name.
func isOpen(t *testing.T, name string) bool {
	t.Helper()
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skipf("no /proc: %v", err)
	}
	for _, e := range ents {
		if target, err := os.Readlink(filepath.Join("/proc/self/fd", e.Name())); err == nil && target == name {
			return true
		}
	}
	return false
}

// TestReadMemShortFile: a file shorter than its fstat said (truncated
// meanwhile) is reported incomplete, never returned short, and its buffer
// goes back to the pool.
func TestReadMemShortFile(t *testing.T) {
	t.Parallel()
	name := filepath.Join(t.TempDir(), "f")
	mustDo(t, os.WriteFile(name, []byte("12345"), 0o644))
	fd, err := unix.Open(name, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fd)
	var mb memBodies
	for _, c := range []struct {
		size     int64
		complete bool
	}{{5, true}, {4, true}, {0, true}, {6, false}, {maxMemBody, false}} {
		obj, complete, err := mb.readMem(fd, object.ObjectInfo{Size: c.size})
		if err != nil || complete != c.complete || (obj != nil) != c.complete {
			t.Fatalf("size %d: complete %v, object %v, %v", c.size, complete, obj != nil, err)
		}
		if obj == nil {
			continue
		}
		got, err := io.ReadAll(obj.Body)
		if err != nil || string(got) != "12345"[:c.size] {
			t.Errorf("size %d: read %q, %v", c.size, got, err)
		}
		obj.Body.Close()
	}
}

// TestGetTruncatedFile: GetObject of a small object whose file is truncated
// between its fstat and its read answers what the file holds then, with
// Info to match; truncated again and again, an error. Never a short body.
func TestGetTruncatedFile(t *testing.T) {
	t.Parallel()
	b, dir := setupMode(t, true)
	name := filepath.Join(dir, "k")
	cases := []struct {
		name    string
		sizes   []int64 // the file's size after each fstat
		want    int64   // the body's size; -1: an error
		wantErr error
	}{
		{"untouched", nil, 100, nil},
		{"truncated once", []int64{40}, 40, nil},
		{"emptied", []int64{0}, 0, nil},
		{"truncated twice", []int64{40, 10}, -1, io.ErrUnexpectedEOF},
	}
	for _, c := range cases {
		putBytes(t, b, "k", bytes.Repeat([]byte("x"), 100), object.Metadata{})
		o, err := b.openKey("bkt", "k")
		if err != nil {
			t.Fatal(err)
		}
		calls := 0
		got, err := b.getOpen(&o, "bkt", "k", func() {
			if calls < len(c.sizes) {
				mustDo(t, os.Truncate(name, c.sizes[calls]))
			}
			calls++
		})
		if c.want < 0 {
			if !errors.Is(err, c.wantErr) {
				t.Errorf("%s: %v, want %v", c.name, err, c.wantErr)
			}
			if got != nil {
				t.Errorf("%s: an object with the error", c.name)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		data, err := io.ReadAll(got.Body)
		got.Body.Close()
		if err != nil || int64(len(data)) != c.want || got.Info.Size != c.want {
			t.Errorf("%s: %d bytes, Info.Size %d, %v; want %d", c.name, len(data), got.Info.Size, err, c.want)
		}
	}
}

// BenchmarkGet4KiBOpenModes is BenchmarkGet4KiB with object files opened
// each way (os.Root: a kernel without openat2).
//
//	go test -run XXX -bench Get4KiBOpenModes -benchmem -count 6 ./internal/object/posix
func BenchmarkGet4KiBOpenModes(b *testing.B) {
	for _, mode := range openModes {
		b.Run(mode.name, func(b *testing.B) {
			be := benchBackend(b)
			if !mode.openat2 {
				be.roots.openat2.Store(openat2Off)
			}
			data := bytes.Repeat([]byte("x"), 4<<10)
			keys := make([]string, 64)
			for i := range keys {
				keys[i] = "d/obj" + strconv.Itoa(i)
				if _, err := be.PutObject(b.Context(), "bench", keys[i], bytes.NewReader(data), object.PutOptions{Size: int64(len(data))}); err != nil {
					b.Fatal(err)
				}
			}
			buf := make([]byte, len(data))
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				o, err := be.GetObject(b.Context(), "bench", keys[i%len(keys)])
				i++
				if err != nil {
					b.Fatal(err)
				}
				n, err := io.ReadFull(o.Body, buf)
				o.Body.Close()
				if err != nil || n != len(data) {
					b.Fatal(n, err)
				}
			}
		})
	}
}
