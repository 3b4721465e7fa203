package bench

import (
	"context"
	"crypto"
	"crypto/md5" //nolint:gosec // S3 ETags are MD5; measured here, not used for security
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// CPURates are in-process measurements of the same run, the yardsticks for
// the STS and large-object numbers: what the machine's cores can do at
// most for the work the server cannot avoid.
type CPURates struct {
	// RS256VerifyPerSec is RS256 (RSA-2048, PKCS#1 v1.5, SHA-256 over a
	// typical JWT's signing input) verifications per second with
	// RS256Workers goroutines (one per CPU): the ceiling of any STS.
	RS256VerifyPerSec float64 `json:"rs256_verify_per_sec"`
	RS256Workers      int     `json:"rs256_workers"`
	// MD5SHA256MiBPerSec is one core hashing each buffer with MD5 and
	// SHA-256 (a signed PUT); MD5MiBPerSec with MD5 alone (unsigned).
	MD5SHA256MiBPerSec float64 `json:"md5_sha256_mib_per_sec"`
	MD5MiBPerSec       float64 `json:"md5_mib_per_sec"`
}

// measureCPU runs each loop for d.
func measureCPU(ctx context.Context, d time.Duration) (CPURates, error) {
	var r CPURates
	var err error
	r.RS256Workers = runtime.NumCPU()
	if r.RS256VerifyPerSec, err = rs256Rate(ctx, d, r.RS256Workers); err != nil {
		return r, err
	}
	r.MD5SHA256MiBPerSec = hashRate(ctx, d, true)
	r.MD5MiBPerSec = hashRate(ctx, d, false)
	return r, nil
}

// rs256Rate verifies one signed JWT-sized message in a loop on workers
// goroutines for d and returns verifications per second.
func rs256Rate(ctx context.Context, d time.Duration, workers int) (float64, error) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return 0, fmt.Errorf("rs256 rate: %w", err)
	}
	// A typical ID token: header, ~600 bytes of claims.
	claims := make([]byte, 600)
	for i := range claims {
		claims[i] = 'a' + byte(i%26)
	}
	input := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"RS256","kid":"k1","typ":"JWT"}`)) + "." +
		base64.RawURLEncoding.EncodeToString(claims)
	h := sha256.Sum256([]byte(input))
	sig, err := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, h[:])
	if err != nil {
		return 0, fmt.Errorf("rs256 rate: %w", err)
	}
	pub := &key.PublicKey
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	var n atomic.Int64
	var failed atomic.Bool
	var wg sync.WaitGroup
	start := time.Now()
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				sum := sha256.Sum256([]byte(input))
				if rsa.VerifyPKCS1v15(pub, crypto.SHA256, sum[:], sig) != nil {
					failed.Store(true)
					return
				}
				n.Add(1)
			}
		}()
	}
	wg.Wait()
	if failed.Load() {
		return 0, fmt.Errorf("rs256 rate: a valid signature did not verify")
	}
	return float64(n.Load()) / time.Since(start).Seconds(), nil
}

// hashRate hashes 1 MiB buffers on one goroutine for d: MD5 and SHA-256
// over each buffer when both, else MD5 alone. It returns MiB/s.
func hashRate(ctx context.Context, d time.Duration, both bool) float64 {
	buf := make([]byte, 1<<20)
	for i := range buf {
		buf[i] = byte(i * 31)
	}
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	m, s := md5.New(), sha256.New() //nolint:gosec // see import
	n := 0
	start := time.Now()
	for ctx.Err() == nil {
		m.Write(buf)
		if both {
			s.Write(buf)
		}
		n++
	}
	_ = m.Sum(nil)
	_ = s.Sum(nil)
	return float64(n) / time.Since(start).Seconds()
}
