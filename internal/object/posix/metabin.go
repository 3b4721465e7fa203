package posix

import (
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"maps"
	"slices"
	"strconv"
	"unicode/utf8"

	"github.com/fedstore/fedstore/internal/object"
)

// The binary metadata record. A PUT writes it to the object's xattr (and
// the journal carries it); sidecar files stay JSON. As JSON the record of a
// plain 4 KiB PUT was about 300 bytes: more than ext4 keeps in a 256-byte
// inode, so every object took an extra 4 KiB xattr block (a block
// allocation and one more block to write back). The binary record of that
// PUT is 30 bytes (36 with a CRC32 checksum) and fits in the inode.
//
//	0xF1        magic: format 1 (a byte no JSON text starts with)
//	flags       byte, binFlag*; the unused bits are zero
//	version     varint (metaRecord.Version)
//	etag        binETagMD5: 16 bytes, `"hex"`; with binETagParts too,
//	            then uvarint N, `"hex-N"`; else a string
//	size        varint
//	mtime_ns    varint
//	ino         uvarint, with binHasIno
//	parts_count varint, with binHasParts
//	checksum    with binHasChecksum: a byte (algorithm index | type index<<4,
//	            index 0 (algorithm) or 3 (type): a string follows), then the
//	            value: uvarint 0 and the digest's raw bytes when the value is
//	            their padded standard base64, else uvarint len+1 and the text
//	metadata    with binHasMeta: a byte (bit i: field i of binMetaFields is
//	            not empty; bit 6: User is not nil), those fields' strings,
//	            then with bit 6 uvarint count and count (name, value) strings
//
// A string is uvarint length and bytes. Integers are varints (zigzag) but
// for ino and the ETag's part count. The decoder refuses trailing bytes,
// unknown bits and lengths past the end.
//
// What the API answers stays what it was with JSON: the encoder coerces
// text to valid UTF-8 as json.Marshal did (the round-trip test compares
// with a JSON round trip).

const metaBinMagic = 0xF1

const (
	binETagMD5 = 1 << iota
	binETagParts
	binHasIno
	binHasParts
	binHasChecksum
	binHasMeta
	binFlagsKnown = 1<<iota - 1
)

// binChecksumAlgs are the checksum algorithms by index (0: named in the record).
var binChecksumAlgs = [...]struct {
	name string
	size int // bytes of the digest
}{{}, {"CRC32", 4}, {"CRC32C", 4}, {"CRC64NVME", 8}, {"SHA1", 20}, {"SHA256", 32}}

// binChecksumTypes are the checksum types by index (3: named in the record).
var binChecksumTypes = [...]string{"", object.ChecksumFullObject, object.ChecksumComposite}

const binTypeNamed = 3

// binMetaFields are the metadata fields' pointers in mask-bit order.
func binMetaFields(m *object.Metadata) [6]*string {
	return [6]*string{&m.ContentType, &m.ContentEncoding, &m.ContentDisposition, &m.ContentLanguage, &m.CacheControl, &m.Expires}
}

const binUserBit = 1 << 6

// errMetaBin: a binary record that does not decode.
var errMetaBin = errors.New("posix: damaged binary metadata record")

// appendMetaBin appends rec's binary record to dst.
func appendMetaBin(dst []byte, rec *metaRecord) []byte {
	start := len(dst)
	dst = append(dst, metaBinMagic, 0)
	var flags byte
	dst = binary.AppendVarint(dst, int64(rec.Version))
	if md5, n, ok := parseETagMD5(rec.ETag); ok {
		flags |= binETagMD5
		dst = append(dst, md5[:]...)
		if n >= 0 {
			flags |= binETagParts
			dst = binary.AppendUvarint(dst, uint64(n))
		}
	} else {
		dst = appendBinString(dst, jsonText(rec.ETag))
	}
	dst = binary.AppendVarint(dst, rec.Size)
	dst = binary.AppendVarint(dst, rec.MtimeNs)
	if rec.Ino != 0 {
		flags |= binHasIno
		dst = binary.AppendUvarint(dst, rec.Ino)
	}
	if rec.PartsCount != 0 {
		flags |= binHasParts
		dst = binary.AppendVarint(dst, int64(rec.PartsCount))
	}
	if c := rec.Checksum; c != nil {
		flags |= binHasChecksum
		dst = appendBinChecksum(dst, c)
	}
	if m := &rec.Metadata; m.User != nil || metaFieldsSet(m) {
		flags |= binHasMeta
		dst = appendBinMetadata(dst, m)
	}
	dst[start+1] = flags
	return dst
}

func appendBinChecksum(dst []byte, c *object.Checksum) []byte {
	alg, typ := 0, binTypeNamed
	algName, typName := jsonText(c.Algorithm), jsonText(c.Type)
	for i := 1; i < len(binChecksumAlgs); i++ {
		if binChecksumAlgs[i].name == algName {
			alg = i
		}
	}
	for i, t := range binChecksumTypes {
		if t == typName {
			typ = i
		}
	}
	dst = append(dst, byte(alg|typ<<4))
	if alg == 0 {
		dst = appendBinString(dst, algName)
	}
	if typ == binTypeNamed {
		dst = appendBinString(dst, typName)
	}
	value := jsonText(c.Value)
	if alg != 0 {
		size := binChecksumAlgs[alg].size
		if base64.StdEncoding.EncodedLen(size) == len(value) {
			var raw [36]byte  // room for what len(value) may decode to
			var back [48]byte // and for its encoding
			n, err := base64.StdEncoding.Decode(raw[:], []byte(value))
			// Decoding ignores nonzero padding bits: only a value that
			// encodes back to itself is stored raw.
			if err == nil && n == size {
				base64.StdEncoding.Encode(back[:], raw[:n])
			}
			if err == nil && n == size && string(back[:len(value)]) == value {
				dst = append(dst, 0)
				return append(dst, raw[:n]...)
			}
		}
	}
	dst = binary.AppendUvarint(dst, uint64(len(value))+1)
	return append(dst, value...)
}

// metaFieldsSet reports whether a field of m other than User is not empty.
func metaFieldsSet(m *object.Metadata) bool {
	for _, f := range binMetaFields(m) {
		if *f != "" {
			return true
		}
	}
	return false
}

func appendBinMetadata(dst []byte, m *object.Metadata) []byte {
	var mask byte
	fields := binMetaFields(m)
	for i, f := range fields {
		if *f != "" {
			mask |= 1 << i
		}
	}
	if m.User != nil {
		mask |= binUserBit
	}
	dst = append(dst, mask)
	for _, f := range fields {
		if *f != "" {
			dst = appendBinString(dst, jsonText(*f))
		}
	}
	if m.User == nil {
		return dst
	}
	names := slices.Sorted(maps.Keys(m.User))
	user := m.User
	if !allValidUTF8(names) {
		// JSON coerced names, and of names that became equal the last in
		// sorted order won: keep what a JSON round trip kept.
		user = make(map[string]string, len(names))
		for _, k := range names {
			user[jsonText(k)] = m.User[k]
		}
		names = slices.Sorted(maps.Keys(user))
	}
	dst = binary.AppendUvarint(dst, uint64(len(names)))
	for _, k := range names {
		dst = appendBinString(dst, k)
		dst = appendBinString(dst, jsonText(user[k]))
	}
	return dst
}

func allValidUTF8(ss []string) bool {
	for _, s := range ss {
		if !utf8.ValidString(s) {
			return false
		}
	}
	return true
}

// jsonText is s as a JSON round trip returns it: each byte that is not
// part of valid UTF-8 becomes U+FFFD.
func jsonText(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	out := make([]byte, 0, len(s)+8)
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 {
			out = utf8.AppendRune(out, utf8.RuneError)
		} else {
			out = append(out, s[i:i+n]...)
		}
		i += n
	}
	return string(out)
}

func appendBinString(dst []byte, s string) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(s)))
	return append(dst, s...)
}

// parseETagMD5 splits an ETag of the form `"hex"` (n = -1) or `"hex-n"`
// (32 lower-case hex digits, n in canonical decimal) into the digest and n.
func parseETagMD5(etag string) (sum [16]byte, n int64, ok bool) {
	if len(etag) < 34 || etag[0] != '"' || etag[len(etag)-1] != '"' {
		return sum, 0, false
	}
	for i := 1; i < 33; i++ {
		if c := etag[i]; (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return sum, 0, false // upper case would not come back as it was
		}
	}
	if _, err := hex.Decode(sum[:], []byte(etag[1:33])); err != nil {
		return sum, 0, false
	}
	rest := etag[33 : len(etag)-1]
	if rest == "" {
		return sum, -1, true
	}
	if len(rest) < 2 || rest[0] != '-' || len(rest) > 19 {
		return sum, 0, false
	}
	v, err := strconv.ParseInt(rest[1:], 10, 64)
	if err != nil || strconv.FormatInt(v, 10) != rest[1:] {
		return sum, 0, false // a sign, leading zeros
	}
	return sum, v, true
}

// decodeMetaBin decodes a binary record (see appendMetaBin).
func decodeMetaBin(raw []byte) (metaRecord, error) {
	var rec metaRecord
	d := binDecoder{b: raw}
	if d.byte() != metaBinMagic {
		return metaRecord{}, errMetaBin
	}
	flags := d.byte()
	if flags&^binFlagsKnown != 0 || flags&binETagParts != 0 && flags&binETagMD5 == 0 {
		return metaRecord{}, errMetaBin
	}
	rec.Version = int(d.varint())
	if flags&binETagMD5 != 0 {
		sum := d.take(16)
		var buf [1 + 32 + 1 + 20 + 1]byte
		etag := append(buf[:0], '"')
		etag = hex.AppendEncode(etag, sum)
		if flags&binETagParts != 0 {
			etag = append(etag, '-')
			etag = strconv.AppendUint(etag, d.uvarint(), 10)
		}
		rec.ETag = string(append(etag, '"'))
	} else {
		rec.ETag = d.string()
	}
	rec.Size = d.varint()
	rec.MtimeNs = d.varint()
	if flags&binHasIno != 0 {
		rec.Ino = d.uvarint()
	}
	if flags&binHasParts != 0 {
		rec.PartsCount = int(d.varint())
	}
	if flags&binHasChecksum != 0 {
		rec.Checksum = d.checksum()
	}
	if flags&binHasMeta != 0 {
		d.metadata(&rec.Metadata)
	}
	if d.bad || d.i != len(d.b) {
		return metaRecord{}, errMetaBin
	}
	return rec, nil
}

// binDecoder reads a binary record; past an error (bad) it returns zero
// values (nil from take).
type binDecoder struct {
	b   []byte
	i   int
	bad bool
}

func (d *binDecoder) take(n uint64) []byte {
	if d.bad || n > uint64(len(d.b)-d.i) {
		d.bad = true
		return nil
	}
	v := d.b[d.i : d.i+int(n)]
	d.i += int(n)
	return v
}

func (d *binDecoder) byte() byte {
	if v := d.take(1); v != nil {
		return v[0]
	}
	return 0
}

func (d *binDecoder) uvarint() uint64 {
	if d.bad {
		return 0
	}
	v, n := binary.Uvarint(d.b[d.i:])
	if n <= 0 {
		d.bad = true
		return 0
	}
	d.i += n
	return v
}

func (d *binDecoder) varint() int64 {
	if d.bad {
		return 0
	}
	v, n := binary.Varint(d.b[d.i:])
	if n <= 0 {
		d.bad = true
		return 0
	}
	d.i += n
	return v
}

func (d *binDecoder) string() string { return d.stringN(d.uvarint()) }

// stringN reads a string of n bytes (its length read already).
func (d *binDecoder) stringN(n uint64) string {
	if d.bad || n > uint64(len(d.b)-d.i) {
		d.bad = true
		return ""
	}
	return string(d.take(n))
}

func (d *binDecoder) checksum() *object.Checksum {
	code := d.byte()
	alg, typ := int(code&0x0f), int(code>>4)
	if alg >= len(binChecksumAlgs) || typ > binTypeNamed {
		d.bad = true
		return nil
	}
	c := &object.Checksum{Algorithm: binChecksumAlgs[alg].name}
	if alg == 0 {
		c.Algorithm = d.string()
	}
	if typ == binTypeNamed {
		c.Type = d.string()
	} else {
		c.Type = binChecksumTypes[typ]
	}
	switch n := d.uvarint(); {
	case n > 0:
		c.Value = d.stringN(n - 1)
	case alg == 0:
		d.bad = true // a raw digest needs a known size
	default:
		c.Value = base64.StdEncoding.EncodeToString(d.take(uint64(binChecksumAlgs[alg].size)))
	}
	return c
}

func (d *binDecoder) metadata(m *object.Metadata) {
	mask := d.byte()
	if mask&0x80 != 0 {
		d.bad = true
		return
	}
	for i, f := range binMetaFields(m) {
		if mask&(1<<i) != 0 {
			*f = d.string()
		}
	}
	if mask&binUserBit == 0 {
		return
	}
	n := d.uvarint()
	if n > uint64(len(d.b)-d.i)/2 { // a pair takes two bytes at least
		d.bad = true
		return
	}
	m.User = make(map[string]string, n)
	for range n {
		k := d.string()
		m.User[k] = d.string()
	}
}
