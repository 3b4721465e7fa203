package posix

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"

	"golang.org/x/sys/unix"

	"github.com/fedstore/fedstore/internal/object"
)

// Reading an object (GET, HEAD) opens its file. Through os.Root that is an
// openat and a close per directory of the key, then the file is wrapped in
// an *os.File (an epoll_ctl the kernel refuses for a regular file, a
// cleanup registration, allocations). Where the kernel has openat2 (Linux
// 5.6), one call on the bucket directory's descriptor resolves the whole
// path with the same guarantees, and stricter ones:
//
//   - RESOLVE_BENEATH: no ".." above the bucket, no absolute path (keyToPath
//     refuses both already; this makes them EXDEV rather than trust it);
//   - RESOLVE_NO_SYMLINKS: no symbolic link followed at all, in any
//     component (os.Root follows links that stay inside the bucket; fedstore
//     never makes links, so one planted in the data directory is no object);
//   - RESOLVE_NO_MAGICLINKS: no /proc-style links.
//
// Whether the kernel has it is probed once per Backend (rootCache.openat2):
// before 5.6 it answers ENOSYS, and seccomp filters (containers) commonly
// EPERM; then os.Root does the work as before.

// resolveFlags are openat2's path-resolution restrictions for object files
// and their directories (putdir.go).
const resolveFlags = unix.RESOLVE_BENEATH | unix.RESOLVE_NO_SYMLINKS | unix.RESOLVE_NO_MAGICLINKS

// rootCache.openat2 states.
const (
	openat2Unknown int32 = iota // not probed yet (or the probe failed for a passing reason)
	openat2On                   // the kernel resolves object paths
	openat2Off                  // os.Root opens objects
)

// useOpenat2 reports whether object files are opened with openat2, probing
// on the directory of r the first time.
func (b *Backend) useOpenat2(r *bucketRoot) bool {
	switch b.roots.openat2.Load() {
	case openat2On:
		return true
	case openat2Off:
		return false
	}
	how := unix.OpenHow{Flags: unix.O_PATH | unix.O_DIRECTORY | unix.O_CLOEXEC, Resolve: resolveFlags}
	fd, err := unix.Openat2(r.fd, ".", &how)
	switch {
	case err == nil:
		unix.Close(fd)
		b.roots.openat2.CompareAndSwap(openat2Unknown, openat2On)
	case errors.Is(err, unix.ENOSYS) || errors.Is(err, unix.EPERM) || errors.Is(err, unix.EINVAL) || errors.Is(err, unix.E2BIG):
		// No openat2, a filter refusing it, or flags this kernel does not know.
		b.roots.openat2.CompareAndSwap(openat2Unknown, openat2Off)
	default:
		return false // e.g. out of descriptors: ask again next time
	}
	return b.roots.openat2.Load() == openat2On
}

// openat2Retries bounds the retries of an openat2 that answered EAGAIN: with
// RESOLVE_BENEATH the kernel answers it when a rename or mount raced a ".."
// of the lookup (keys have none, so it should never happen).
const openat2Retries = 3

// openat2Object opens rel beneath the directory dirfd for reading, the
// openat2 way of openFlags (the flags and guarantees above).
func openat2Object(dirfd int, rel string) (int, error) {
	how := unix.OpenHow{Flags: unix.O_RDONLY | unix.O_NOFOLLOW | unix.O_CLOEXEC | unix.O_NONBLOCK, Resolve: resolveFlags}
	for attempt := 0; ; attempt++ {
		fd, err := unix.Openat2(dirfd, rel, &how)
		if err == unix.EINTR || (err == unix.EAGAIN && attempt < openat2Retries) {
			continue
		}
		return fd, err
	}
}

// throughLink reports whether the directory of rel is reached through a
// symbolic link inside the bucket where openat2 is in use: reads do not
// follow it, so neither do writes (putdir.go) nor deletes.
func (b *Backend) throughLink(br *bucketRoot, rel string) bool {
	dir := path.Dir(rel)
	if dir == "." || !b.useOpenat2(br) {
		return false
	}
	how := unix.OpenHow{Flags: unix.O_PATH | unix.O_DIRECTORY | unix.O_CLOEXEC, Resolve: resolveFlags}
	for attempt := 0; ; attempt++ {
		fd, err := unix.Openat2(br.fd, dir, &how)
		if err == unix.EINTR || (err == unix.EAGAIN && attempt < openat2Retries) {
			continue
		}
		if err == nil {
			unix.Close(fd)
		}
		return err == unix.ELOOP
	}
}

// openat2Error maps an error of openat2Object as openError maps os.Root's:
// ENOENT, ENOTDIR (a component is a file), ELOOP (a symbolic link anywhere
// on the path) and EXDEV (the path would leave the bucket) say there is no
// such object; anything else is a failure, worded as os.Root words it.
func openat2Error(bucket, key, rel string, err error) error {
	if errors.Is(err, unix.EXDEV) {
		return fmt.Errorf("%w: %s/%s", object.ErrNoSuchKey, bucket, key)
	}
	return openError(bucket, key, &fs.PathError{Op: "openat", Path: rel, Err: err})
}

// objectFile is an object's file open for reading (see openKey).
type objectFile struct {
	fd  int
	f   *os.File // the file when os.Root opened it (fd is then f's), else nil
	dir string   // the bucket directory, for names in errors
	rel string
}

// name is the file's path, as os.Root names the files it opens.
func (o *objectFile) name() string { return o.dir + "/" + o.rel }

func (o *objectFile) close() {
	if o.f != nil {
		o.f.Close()
		return
	}
	unix.Close(o.fd)
}

// file hands the descriptor over to an *os.File (large bodies: net/http
// sends those with sendfile).
func (o *objectFile) file() *os.File {
	if o.f != nil {
		return o.f
	}
	return os.NewFile(uintptr(o.fd), o.name())
}
