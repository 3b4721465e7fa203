package posix

import (
	"encoding/json"
	"strconv"
	"strings"

	"github.com/fedstore/fedstore/internal/object"
)

// decodeMeta decodes a stored metadata record: binary (metabin.go, what
// PUTs write to xattrs) or JSON (sidecars, and xattrs older versions
// wrote). No JSON text starts with the binary magic byte.
func decodeMeta(raw []byte) (metaRecord, error) {
	if len(raw) > 0 && raw[0] == metaBinMagic {
		return decodeMetaBin(raw)
	}
	return decodeMetaJSON(raw)
}

// decodeMetaJSON decodes a JSON record. encoding/json's reflection was a
// tenth of a 4 KiB GET's CPU, so records in the exact form json.Marshal writes them (known keys in their
// spelling, integers, ASCII strings) take a hand-written path; anything else
// (old or hand-made records, other spellings, escapes other than \" and \\,
// non-ASCII text) goes to encoding/json, so the result is always what
// json.Unmarshal gives (FuzzDecodeMeta checks that).
func decodeMetaJSON(raw []byte) (metaRecord, error) {
	var rec metaRecord
	d := metaDecoder{b: raw}
	if d.record(&rec) {
		return rec, nil
	}
	var slow metaRecord // only this path's record is on the heap
	err := json.Unmarshal(raw, &slow)
	return slow, err
}

// metaDecoder is the fast path's cursor; a method returning false means
// "not in the simple form", never "invalid".
type metaDecoder struct {
	b []byte
	i int
}

func (d *metaDecoder) ws() {
	for d.i < len(d.b) {
		switch d.b[d.i] {
		case ' ', '\t', '\n', '\r':
			d.i++
		default:
			return
		}
	}
}

// lit consumes c after optional whitespace.
func (d *metaDecoder) lit(c byte) bool {
	d.ws()
	if d.i < len(d.b) && d.b[d.i] == c {
		d.i++
		return true
	}
	return false
}

// null consumes the literal null if it comes next.
func (d *metaDecoder) null() bool {
	d.ws()
	if len(d.b)-d.i >= 4 && string(d.b[d.i:d.i+4]) == "null" {
		d.i += 4
		return true
	}
	return false
}

// str reads a string of printable ASCII with at most \" and \\ escapes.
func (d *metaDecoder) str() (string, bool) {
	if !d.lit('"') {
		return "", false
	}
	start, escaped := d.i, false
	for d.i < len(d.b) {
		c := d.b[d.i]
		switch {
		case c == '"':
			s := d.b[start:d.i]
			d.i++
			if !escaped {
				return string(s), true
			}
			var out strings.Builder // one allocation (an ETag has escaped quotes)
			out.Grow(len(s))
			for j := 0; j < len(s); j++ {
				if s[j] == '\\' {
					j++
				}
				out.WriteByte(s[j])
			}
			return out.String(), true
		case c == '\\':
			if d.i+1 >= len(d.b) || (d.b[d.i+1] != '"' && d.b[d.i+1] != '\\') {
				return "", false
			}
			escaped = true
			d.i += 2
		case c < 0x20 || c >= 0x80:
			return "", false
		default:
			d.i++
		}
	}
	return "", false
}

// int reads a decimal integer (no fraction, no exponent) that fits in int64.
func (d *metaDecoder) int() (int64, bool) {
	d.ws()
	start := d.i
	if d.i < len(d.b) && d.b[d.i] == '-' {
		d.i++
	}
	for d.i < len(d.b) && d.b[d.i] >= '0' && d.b[d.i] <= '9' {
		d.i++
	}
	if d.i < len(d.b) {
		switch d.b[d.i] {
		case '.', 'e', 'E':
			return 0, false
		}
	}
	s := d.b[start:d.i]
	// JSON forbids leading zeros and a bare "-".
	if len(s) == 0 || s[0] == '-' && (len(s) == 1 || s[1] == '0' && len(s) > 2) || s[0] == '0' && len(s) > 1 {
		return 0, false
	}
	n, err := strconv.ParseInt(string(s), 10, 64)
	return n, err == nil
}

func (d *metaDecoder) uint() (uint64, bool) {
	d.ws()
	start := d.i
	for d.i < len(d.b) && d.b[d.i] >= '0' && d.b[d.i] <= '9' {
		d.i++
	}
	if d.i < len(d.b) {
		switch d.b[d.i] {
		case '.', 'e', 'E', '-':
			return 0, false
		}
	}
	s := d.b[start:d.i]
	if len(s) == 0 || s[0] == '0' && len(s) > 1 {
		return 0, false
	}
	n, err := strconv.ParseUint(string(s), 10, 64)
	return n, err == nil
}

// key reads an object key without escapes, as bytes of the input: comparing
// them with switch string(k) allocates nothing.
func (d *metaDecoder) key() ([]byte, bool) {
	if !d.lit('"') {
		return nil, false
	}
	start := d.i
	for d.i < len(d.b) {
		c := d.b[d.i]
		switch {
		case c == '"':
			d.i++
			return d.b[start : d.i-1], true
		case c == '\\' || c < 0x20 || c >= 0x80:
			return nil, false
		}
		d.i++
	}
	return nil, false
}

// object calls field for each key of an object; field returns false to give up.
func (d *metaDecoder) object(field func(key []byte) bool) bool {
	if !d.lit('{') {
		return false
	}
	if d.lit('}') {
		return true
	}
	for {
		k, ok := d.key()
		if !ok || !d.lit(':') || !field(k) {
			return false
		}
		if d.lit('}') {
			return true
		}
		if !d.lit(',') {
			return false
		}
	}
}

func (d *metaDecoder) record(rec *metaRecord) bool {
	ok := d.object(func(k []byte) bool {
		var ok bool
		switch string(k) {
		case "v":
			var n int64
			n, ok = d.int()
			rec.Version = int(n)
		case "etag":
			rec.ETag, ok = d.str()
		case "size":
			rec.Size, ok = d.int()
		case "mtime_ns":
			rec.MtimeNs, ok = d.int()
		case "ino":
			rec.Ino, ok = d.uint()
		case "metadata":
			ok = d.metadata(&rec.Metadata)
		case "checksum":
			if d.null() {
				rec.Checksum, ok = nil, true
			} else {
				if rec.Checksum == nil { // json.Unmarshal fills an existing one
					rec.Checksum = new(object.Checksum)
				}
				ok = d.checksum(rec.Checksum)
			}
		case "parts_count":
			var n int64
			n, ok = d.int()
			rec.PartsCount = int(n)
		}
		return ok
	})
	d.ws()
	return ok && d.i == len(d.b)
}

func (d *metaDecoder) metadata(m *object.Metadata) bool {
	return d.object(func(k []byte) bool {
		var ok bool
		switch string(k) {
		case "ContentType":
			m.ContentType, ok = d.str()
		case "ContentEncoding":
			m.ContentEncoding, ok = d.str()
		case "ContentDisposition":
			m.ContentDisposition, ok = d.str()
		case "ContentLanguage":
			m.ContentLanguage, ok = d.str()
		case "CacheControl":
			m.CacheControl, ok = d.str()
		case "Expires":
			m.Expires, ok = d.str()
		case "User":
			if d.null() {
				m.User, ok = nil, true
				break
			}
			if m.User == nil {
				m.User = map[string]string{}
			}
			ok = d.object(func(name []byte) bool {
				v, ok := d.str()
				m.User[string(name)] = v
				return ok
			})
		}
		return ok
	})
}

func (d *metaDecoder) checksum(c *object.Checksum) bool {
	return d.object(func(k []byte) bool {
		var ok bool
		switch string(k) {
		case "Algorithm":
			c.Algorithm, ok = d.str()
		case "Value":
			c.Value, ok = d.str()
		case "Type":
			c.Type, ok = d.str()
		}
		return ok
	})
}
