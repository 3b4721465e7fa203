package bolt

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/fedstore/fedstore/internal/state"
)

// sessionKey makes an STS-like session key: "sts/sessions/ASIA" and 16
// characters, either all random or led by a big-endian counter (the issue
// time of time-ordered access keys).
func sessionKey(ordered bool, seq uint64) string {
	const digits = "234567ABCDEFGHIJKLMNOPQRSTUVWXYZ" // base32 digits in byte order
	var r [16]byte
	_, _ = rand.Read(r[:])
	var c [16]byte
	for i := range c {
		c[i] = digits[r[i]&31]
	}
	if ordered {
		for i := 4; i >= 0; i-- {
			c[i] = digits[seq&31]
			seq >>= 5
		}
	}
	return "sts/sessions/ASIA" + string(c[:])
}

// BenchmarkPutBatchSessions commits batches of 32 session-like records of
// about 400 bytes into a store already holding 20,000, with random keys and
// with time-ordered ones (one "second" per batch). It reports the page
// writes per record, each one 4 KiB or more sent to the disk.
func BenchmarkPutBatchSessions(b *testing.B) {
	const prefill, batch = 20000, 32
	value := make([]byte, 400)
	for i := range value {
		value[i] = 'a' + byte(i%26)
	}
	for _, ordered := range []bool{false, true} {
		b.Run(fmt.Sprintf("ordered=%v", ordered), func(b *testing.B) {
			s, err := Open(filepath.Join(b.TempDir(), "state.db"))
			if err != nil {
				b.Fatal(err)
			}
			defer func() { _ = s.Close() }()
			ctx := context.Background()
			var seq uint64
			kvs := make([]state.BatchEntry, batch)
			fill := func() {
				seq++
				for i := range kvs {
					kvs[i] = state.BatchEntry{Key: sessionKey(ordered, seq), Value: value, CreateOnly: true}
					binary.BigEndian.PutUint64(value, seq)
				}
			}
			for range prefill / batch {
				fill()
				if err := putBatch(ctx, s, kvs); err != nil {
					b.Fatal(err)
				}
			}
			before := s.db.Stats().TxStats
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				b.StopTimer()
				fill()
				b.StartTimer()
				if err := putBatch(ctx, s, kvs); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			after := s.db.Stats().TxStats
			d := after.Sub(&before)
			b.ReportMetric(float64(d.GetWrite())/float64(b.N*batch), "pages/record")
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*batch), "ns/record")
		})
	}
}

func putBatch(ctx context.Context, s *Store, entries []state.BatchEntry) error {
	res, err := s.PutBatch(ctx, entries)
	if err != nil {
		return err
	}
	for _, r := range res {
		if r.Err != nil {
			return r.Err
		}
	}
	return nil
}
