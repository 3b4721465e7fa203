package posix

import (
	"bytes"
	"io"
	"os"
	"sync"

	"golang.org/x/sys/unix"

	"github.com/fedstore/fedstore/internal/object"
)

// maxMemBody is the largest object GetObject reads into memory and closes
// at once; a larger one's Body is its *os.File, which net/http sends with
// sendfile. It is the size up to which s3api writes a body in one write
// (its maxBufferedBody), reading it through a buffer anyway.
const maxMemBody = 16 << 10

// memBuf is the buffer of one small body.
type memBuf = [maxMemBody]byte

// memObject is a small object read whole, its file closed already: the
// Object and its Body in one allocation. The buffer comes from a pool and
// goes back on Close; a Body used after Close fails as a closed file does
// (it never sees the buffer's next content).
type memObject struct {
	obj  object.Object
	body memBody
}

type memBody struct {
	r    bytes.Reader
	buf  *memBuf // nil once closed
	pool *sync.Pool
}

var _ io.ReadSeekCloser = (*memBody)(nil)

func (m *memBody) Read(p []byte) (int, error) {
	if m.buf == nil {
		return 0, os.ErrClosed
	}
	return m.r.Read(p)
}

func (m *memBody) Seek(offset int64, whence int) (int64, error) {
	if m.buf == nil {
		return 0, os.ErrClosed
	}
	return m.r.Seek(offset, whence)
}

func (m *memBody) ReadAt(p []byte, off int64) (int, error) {
	if m.buf == nil {
		return 0, os.ErrClosed
	}
	return m.r.ReadAt(p, off)
}

// Close implements io.Closer: the buffer goes back to its pool.
func (m *memBody) Close() error {
	if m.buf != nil {
		m.r.Reset(nil)
		m.pool.Put(m.buf)
		m.buf = nil
	}
	return nil
}

// memBodies recycles the buffers of small bodies.
type memBodies struct {
	pool sync.Pool // of *memBuf
}

func (mb *memBodies) get() *memBuf {
	if buf, ok := mb.pool.Get().(*memBuf); ok {
		return buf
	}
	return new(memBuf)
}

// readMem reads the size (at most maxMemBody) bytes of fd into a pooled
// buffer and returns them as the Object of info. complete is false (and
// obj nil) when the file ended first: someone truncated it since its fstat.
func (mb *memBodies) readMem(fd int, info object.ObjectInfo) (obj *object.Object, complete bool, err error) {
	buf := mb.get()
	data := buf[:info.Size]
	n := 0
	for n < len(data) {
		m, err := unix.Pread(fd, data[n:], int64(n))
		switch {
		case err == unix.EINTR:
			continue
		case err != nil:
			mb.pool.Put(buf)
			return nil, false, err
		case m == 0:
			mb.pool.Put(buf)
			return nil, false, nil
		}
		n += m
	}
	o := &memObject{obj: object.Object{Info: info}}
	o.body.r.Reset(data)
	o.body.buf, o.body.pool = buf, &mb.pool
	o.obj.Body = &o.body
	return &o.obj, true, nil
}
