package posix

import (
	"errors"
	"fmt"
	"hash/crc32"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"time"

	"golang.org/x/sys/unix"
)

// The journal makes small PUTs durable with one shared write instead of two
// fsyncs each.
//
// Without it a PUT fsyncs the object's temp file, renames it into place and
// fsyncs the directory: two journal commits of the filesystem per object. With
// it a small object (<= JournalMaxObject, metadata in an xattr) is written to
// its temp file without fsync, its bytes and metadata are appended to the
// journal, and the PUT waits until the journal is durable (group commit: one
// write + fdatasync covers every record that arrived meanwhile); only then is
// the temp file renamed into place, without fsync, and the PUT answered. The
// journal's two segment files are preallocated and written in place, so its
// fdatasync flushes data only (no file-size change, no filesystem journal
// commit).
//
// Checkpoints: when the active segment is full, or CheckpointInterval after
// its first record, the other (clean) segment becomes active and the full one
// is checkpointed: once every rename of its records has happened, syncfs(2)
// makes the whole data filesystem durable, and the segment is invalidated.
//
// Recovery: New replays the records of both segments in order (generation,
// then sequence): for each key the last record wins; a put record rewrites
// the object (data, metadata, mtime), a tombstone leaves the key alone. Then
// syncfs and invalidation, as after a checkpoint.
//
// Keys written through the journal are "dirty" until their segment is
// checkpointed. Any other change of a dirty key (a large PUT, a multipart
// completion, a DELETE) is made durable the usual way and then followed by a
// tombstone record, so replay never resurrects an older small object over
// it. Every change of one key happens under that key's lock, so the
// journal's order of a key's records is the filesystem's order.
//
// The journal is for one node's own data directory (the embedded state
// store): fedstore nodes sharing a filesystem cannot order their journals
// against each other, so a cluster uses the fsync path.

const (
	// JournalMaxObject is the largest object written through the journal.
	JournalMaxObject = 128 << 10
	// DefaultJournalSegment is the size of each of the two segment files.
	DefaultJournalSegment = 8 << 20
	// DefaultCheckpointInterval bounds how long a record waits for its
	// checkpoint (and so the replay work after a crash).
	DefaultCheckpointInterval = 10 * time.Second

	journalDir = "journal"
	recMagic   = 0x4653_4a31 // "FSJ1"
	recHdrLen  = 32
	recPut     = 1
	recTomb    = 2
	// maxRecPayload bounds a record read back (the largest object, its
	// metadata and names).
	maxRecPayload = JournalMaxObject + maxMetaBytes + 4096
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// errJournalClosed: the backend is closing.
var errJournalClosed = errors.New("posix: journal closed")

// journal is the group-committed write-ahead log of small objects.
type journal struct {
	dir      string
	segSize  int64
	interval time.Duration
	segs     [2]*os.File
	root     *os.File // the data directory, for syncfs
	log      *slog.Logger

	mu       sync.Mutex
	cond     *sync.Cond
	active   int
	gen      uint64
	seq      uint64 // last assigned
	off      int64  // end of the records appended to the active segment
	pending  []byte // appended, not yet written
	pendOff  int64  // segment offset of pending[0]
	spare    []byte
	writing  bool
	durable  uint64 // every record with seq <= durable is on disk
	inflight [2]int // records whose rename has not happened yet, per segment
	full     bool   // an appender waits for room
	first    time.Time
	dirty    map[string]uint64 // key -> generation of its last record
	err      error             // sticky: a failed write or checkpoint
	closed   bool

	kick chan struct{}
	stop chan struct{}
	done chan struct{}
}

// journalTicket is an appended record whose rename is still to come.
type journalTicket struct {
	seg int
}

// openJournal opens (creating and preallocating if needed) the journal in
// dir and returns it with the records a previous process left to replay.
func openJournal(dir string, root *os.File, segSize int64, interval time.Duration, log *slog.Logger) (*journal, []journalRecord, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, nil, fmt.Errorf("posix: journal: %w", err)
	}
	j := &journal{dir: dir, segSize: segSize, interval: interval, root: root, log: log,
		dirty: map[string]uint64{},
		kick:  make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{})}
	j.cond = sync.NewCond(&j.mu)
	var recs [2][]journalRecord
	for i := range j.segs {
		f, err := openSegment(filepath.Join(dir, fmt.Sprintf("segment-%d", i)), segSize)
		if err != nil {
			j.closeFiles()
			return nil, nil, err
		}
		j.segs[i] = f
		recs[i] = readRecords(f, segSize)
	}
	var all []journalRecord
	for _, r := range recs {
		all = append(all, r...)
	}
	sort.SliceStable(all, func(a, b int) bool {
		if all[a].gen != all[b].gen {
			return all[a].gen < all[b].gen
		}
		return all[a].seq < all[b].seq
	})
	for _, r := range all {
		j.gen = max(j.gen, r.gen)
	}
	j.gen++
	return j, all, nil
}

// openSegment opens a segment file, writing it full of zeros when it is
// new or of another size (so later writes never change its size).
func openSegment(name string, size int64) (*os.File, error) {
	f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("posix: journal: %w", err)
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("posix: journal: %w", err)
	}
	if fi.Size() == size {
		return f, nil
	}
	if fi.Size() > 0 {
		// Written with another segment size: reformatting it could lose
		// records, so refuse rather than guess.
		f.Close()
		return nil, fmt.Errorf("posix: journal segment %s has %d bytes, not %d: start with the segment size it was written with", name, fi.Size(), size)
	}
	zero := make([]byte, 1<<20)
	for off := int64(0); off < size; off += int64(len(zero)) {
		n := min(int64(len(zero)), size-off)
		if _, err := f.WriteAt(zero[:n], off); err != nil {
			f.Close()
			os.Remove(name)
			return nil, fmt.Errorf("posix: journal: preallocate %s: %w", name, err)
		}
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return nil, fmt.Errorf("posix: journal: %w", err)
	}
	if err := syncDir(filepath.Dir(name)); err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

func (j *journal) closeFiles() {
	for _, f := range j.segs {
		if f != nil {
			f.Close()
		}
	}
}

// start runs the checkpointer.
func (j *journal) start() { go j.run() }

// invalidateAll makes every segment empty (after a replay made its records
// durable by other means).
func (j *journal) invalidateAll() error {
	for _, f := range j.segs {
		if err := invalidateSegment(f); err != nil {
			return err
		}
	}
	return nil
}

func invalidateSegment(f *os.File) error {
	if _, err := f.WriteAt(make([]byte, recHdrLen), 0); err != nil {
		return fmt.Errorf("posix: journal: invalidate: %w", err)
	}
	if err := unix.Fdatasync(int(f.Fd())); err != nil {
		return fmt.Errorf("posix: journal: invalidate: %w", err)
	}
	return nil
}

// syncfs makes everything written to the data filesystem durable.
func (j *journal) syncfs() error {
	if err := unix.Syncfs(int(j.root.Fd())); err != nil {
		return fmt.Errorf("posix: journal: syncfs: %w", err)
	}
	return nil
}

// append adds a record for key and returns once it is durable. The caller
// holds key's lock and must call release(ticket) after its rename (or
// after giving up on it).
func (j *journal) append(typ byte, bucket, rel string, meta []byte, mtimeNs int64, data []byte) (journalTicket, error) {
	n := recordLen(bucket, rel, meta, data)
	if n > j.segSize {
		return journalTicket{}, fmt.Errorf("posix: journal: a %d-byte record does not fit a segment", n)
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	for {
		if j.err != nil {
			return journalTicket{}, j.err
		}
		if j.closed {
			return journalTicket{}, errJournalClosed
		}
		if j.off+n <= j.segSize {
			break
		}
		j.full = true
		j.wake()
		j.cond.Wait()
	}
	j.seq++
	seq := j.seq
	if j.off == 0 {
		j.first = time.Now()
	}
	j.pending = appendRecord(j.pending, j.gen, seq, typ, bucket, rel, meta, mtimeNs, data)
	j.off += n
	t := journalTicket{seg: j.active}
	j.inflight[t.seg]++
	j.dirty[bucket+"/"+rel] = j.gen
	for j.durable < seq {
		if j.err != nil {
			j.releaseLocked(t)
			return journalTicket{}, j.err
		}
		if j.writing {
			j.cond.Wait()
			continue
		}
		// Lead a group commit of everything pending.
		buf, at, last, f := j.pending, j.pendOff, j.seq, j.segs[j.active]
		j.pending, j.spare = j.spare[:0], nil
		j.pendOff = j.off
		j.writing = true
		j.mu.Unlock()
		_, err := f.WriteAt(buf, at)
		if err == nil {
			err = unix.Fdatasync(int(f.Fd()))
		}
		j.mu.Lock()
		j.writing = false
		j.spare = buf[:0]
		if err != nil {
			j.err = fmt.Errorf("posix: journal: write: %w", err)
		} else {
			j.durable = last
		}
		j.cond.Broadcast()
	}
	return t, nil
}

// release records that a ticket's rename is done (or abandoned).
func (j *journal) release(t journalTicket) {
	j.mu.Lock()
	j.releaseLocked(t)
	j.mu.Unlock()
}

func (j *journal) releaseLocked(t journalTicket) {
	j.inflight[t.seg]--
	if j.inflight[t.seg] == 0 {
		j.cond.Broadcast()
	}
}

// isDirty reports whether key has a record not yet checkpointed.
func (j *journal) isDirty(bucket, rel string) bool {
	j.mu.Lock()
	_, ok := j.dirty[bucket+"/"+rel]
	j.mu.Unlock()
	return ok
}

// supersede follows a change of key made durable without the journal (the
// caller holds key's lock): when the journal holds a record of key, a
// tombstone keeps replay from writing it back.
func (j *journal) supersede(bucket, rel string) error {
	if !j.isDirty(bucket, rel) {
		return nil
	}
	t, err := j.append(recTomb, bucket, rel, nil, 0, nil)
	if err != nil {
		return err
	}
	j.release(t)
	return nil
}

func (j *journal) wake() {
	select {
	case j.kick <- struct{}{}:
	default:
	}
}

// run checkpoints when a segment fills up or its first record is older
// than the interval.
func (j *journal) run() {
	defer close(j.done)
	t := time.NewTicker(max(j.interval/4, 10*time.Millisecond))
	defer t.Stop()
	for {
		select {
		case <-j.stop:
			return
		case <-j.kick:
		case <-t.C:
		}
		j.mu.Lock()
		due := j.full || (j.off > 0 && time.Since(j.first) >= j.interval)
		j.mu.Unlock()
		if due {
			if err := j.checkpoint(); err != nil {
				j.log.Error("posix: journal checkpoint failed; small PUTs fail until restart", "err", err)
			}
		}
	}
}

// checkpoint switches to the standby segment and makes the records of the
// previous one durable in the filesystem itself.
func (j *journal) checkpoint() error {
	j.mu.Lock()
	for j.err == nil && (j.writing || j.durable < j.seq) {
		j.cond.Wait()
	}
	if j.err != nil {
		j.mu.Unlock()
		return j.err
	}
	if j.off == 0 {
		j.full = false
		j.mu.Unlock()
		return nil
	}
	// The standby is clean: only checkpoint makes segments dirty, and it
	// runs on one goroutine and cleans before returning.
	old, oldGen := j.active, j.gen
	j.active, j.gen, j.off, j.pendOff = 1-old, j.gen+1, 0, 0
	j.full = false
	j.cond.Broadcast()
	for j.inflight[old] > 0 {
		j.cond.Wait()
	}
	j.mu.Unlock()

	err := j.syncfs()
	if err == nil {
		err = invalidateSegment(j.segs[old])
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	if err != nil {
		j.err = err
		j.cond.Broadcast()
		return err
	}
	for k, g := range j.dirty {
		if g <= oldGen {
			delete(j.dirty, k)
		}
	}
	j.cond.Broadcast()
	return nil
}

// close checkpoints what is left and closes the segments: a clean shutdown
// leaves nothing to replay.
func (j *journal) close() error {
	close(j.stop)
	<-j.done
	err := j.checkpoint()
	j.mu.Lock()
	j.closed = true
	j.cond.Broadcast()
	j.mu.Unlock()
	j.closeFiles()
	return err
}
