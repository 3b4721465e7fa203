package posix

import (
	"encoding/binary"
	"hash/crc32"
	"io"
)

// journalRecord is one decoded record.
type journalRecord struct {
	gen, seq uint64
	typ      byte
	bucket   string
	rel      string
	meta     []byte
	mtimeNs  int64
	data     []byte
}

func (r *journalRecord) key() string { return r.bucket + "/" + r.rel }

// appendRecord encodes a record:
//
//	magic u32 | crc32c u32 | gen u64 | seq u64 | type u8 | 0 0 0 | len u32 | payload
//
// the CRC covering everything after itself; the payload being
//
//	len(bucket) u16 | bucket | len(rel) u16 | rel | len(meta) u32 | meta | mtime u64 | data
func appendRecord(b []byte, gen, seq uint64, typ byte, bucket, rel string, meta []byte, mtimeNs int64, data []byte) []byte {
	start := len(b)
	plen := 2 + len(bucket) + 2 + len(rel) + 4 + len(meta) + 8 + len(data)
	b = binary.BigEndian.AppendUint32(b, recMagic)
	b = binary.BigEndian.AppendUint32(b, 0) // CRC, below
	b = binary.BigEndian.AppendUint64(b, gen)
	b = binary.BigEndian.AppendUint64(b, seq)
	b = append(b, typ, 0, 0, 0)
	b = binary.BigEndian.AppendUint32(b, uint32(plen))
	b = binary.BigEndian.AppendUint16(b, uint16(len(bucket)))
	b = append(b, bucket...)
	b = binary.BigEndian.AppendUint16(b, uint16(len(rel)))
	b = append(b, rel...)
	b = binary.BigEndian.AppendUint32(b, uint32(len(meta)))
	b = append(b, meta...)
	b = binary.BigEndian.AppendUint64(b, uint64(mtimeNs))
	b = append(b, data...)
	binary.BigEndian.PutUint32(b[start+4:], crc32.Checksum(b[start+8:], castagnoli))
	return b
}

func recordLen(bucket, rel string, meta, data []byte) int64 {
	return int64(recHdrLen + 2 + len(bucket) + 2 + len(rel) + 4 + len(meta) + 8 + len(data))
}

// readRecords returns the valid records at the start of a segment: they
// stop at the first record that is torn, zeroed, of another generation than
// the first or out of sequence.
func readRecords(f io.ReaderAt, size int64) []journalRecord {
	var out []journalRecord
	var off int64
	hdr := make([]byte, recHdrLen)
	for off+recHdrLen <= size {
		if _, err := f.ReadAt(hdr, off); err != nil {
			break
		}
		if binary.BigEndian.Uint32(hdr) != recMagic {
			break
		}
		gen, seq := binary.BigEndian.Uint64(hdr[8:]), binary.BigEndian.Uint64(hdr[16:])
		plen := int64(binary.BigEndian.Uint32(hdr[28:]))
		if plen > maxRecPayload || off+recHdrLen+plen > size {
			break
		}
		if len(out) > 0 && (gen != out[0].gen || seq != out[len(out)-1].seq+1) {
			break
		}
		p := make([]byte, plen)
		if _, err := f.ReadAt(p, off+recHdrLen); err != nil {
			break
		}
		crc := crc32.Update(crc32.Checksum(hdr[8:], castagnoli), castagnoli, p)
		if crc != binary.BigEndian.Uint32(hdr[4:]) {
			break
		}
		rec, ok := decodePayload(p)
		if !ok {
			break
		}
		rec.gen, rec.seq, rec.typ = gen, seq, hdr[24]
		if rec.typ != recPut && rec.typ != recTomb {
			break
		}
		out = append(out, rec)
		off += recHdrLen + plen
	}
	return out
}

func decodePayload(p []byte) (journalRecord, bool) {
	var r journalRecord
	take := func(n int) ([]byte, bool) {
		if n < 0 || len(p) < n {
			return nil, false
		}
		v := p[:n]
		p = p[n:]
		return v, true
	}
	u16 := func() (int, bool) {
		v, ok := take(2)
		if !ok {
			return 0, false
		}
		return int(binary.BigEndian.Uint16(v)), true
	}
	n, ok := u16()
	if !ok {
		return r, false
	}
	v, ok := take(n)
	if !ok {
		return r, false
	}
	r.bucket = string(v)
	if n, ok = u16(); !ok {
		return r, false
	}
	if v, ok = take(n); !ok {
		return r, false
	}
	r.rel = string(v)
	if v, ok = take(4); !ok {
		return r, false
	}
	if r.meta, ok = take(int(binary.BigEndian.Uint32(v))); !ok {
		return r, false
	}
	if v, ok = take(8); !ok {
		return r, false
	}
	r.mtimeNs = int64(binary.BigEndian.Uint64(v))
	r.data = p
	return r, true
}
