package posix

import (
	"bytes"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/fedstore/fedstore/internal/object"
)

// BenchmarkPutJournal4KiBCPU: 4 KiB PUTs through the journal into one
// directory ("p/000123", as a load tool names them), one at a time. The
// fdatasyncs make the wall time noise on a shared machine; cpu-ns/op is
// the work of the PUT path.
func BenchmarkPutJournal4KiBCPU(b *testing.B) {
	be, err := New(b.TempDir(), Options{Journal: true})
	if err != nil {
		b.Fatal(err)
	}
	defer be.Close()
	if be.journal == nil {
		b.Skip("no xattrs: no journal")
	}
	if err := be.CreateBucket(b.Context(), "bench"); err != nil {
		b.Fatal(err)
	}
	data := bytes.Repeat([]byte("x"), 4096)
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	start := cpuTime()
	i := 0
	for b.Loop() {
		key := fmt.Sprintf("p/%06d", i)
		i++
		if _, err := be.PutObject(b.Context(), "bench", key, bytes.NewReader(data), object.PutOptions{Size: int64(len(data))}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(cpuTime()-start)/float64(b.N), "cpu-ns/op")
}

// BenchmarkMetaRecord: encoding and decoding the record of a plain PUT
// (with the CRC32 checksum SDKs send), binary and JSON.
func BenchmarkMetaRecord(b *testing.B) {
	rec := metaRecord{Version: 1, ETag: md5ETag("a", 0), Size: 4096, MtimeNs: 1764409131123456789,
		Checksum: &object.Checksum{Algorithm: "CRC32", Value: digest(4, 9), Type: object.ChecksumFullObject}}
	bin := appendMetaBin(nil, &rec)
	js, _ := json.Marshal(rec)
	b.Run("encode/binary", func(b *testing.B) {
		for b.Loop() {
			appendMetaBin(make([]byte, 0, 64), &rec)
		}
	})
	b.Run("encode/json", func(b *testing.B) {
		for b.Loop() {
			json.Marshal(rec)
		}
	})
	b.Run("decode/binary", func(b *testing.B) {
		for b.Loop() {
			decodeMeta(bin)
		}
	})
	b.Run("decode/json", func(b *testing.B) {
		for b.Loop() {
			decodeMeta(js)
		}
	})
}
