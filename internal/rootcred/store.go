package rootcred

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

const (
	accessAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	secretAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
)

// Generate returns a fresh access key (20 characters [A-Z0-9]) and secret
// key (40 characters of the base64url alphabet), uniformly drawn from rand.
func Generate(rand io.Reader) (Credentials, error) {
	ak, err := draw(rand, accessAlphabet, GeneratedAccessKeyLen)
	if err != nil {
		return Credentials{}, err
	}
	sk, err := draw(rand, secretAlphabet, GeneratedSecretKeyLen)
	if err != nil {
		return Credentials{}, err
	}
	return Credentials{AccessKey: ak, SecretKey: sk}, nil
}

// draw picks n characters of alphabet by rejection sampling (no modulo bias).
func draw(rand io.Reader, alphabet string, n int) (string, error) {
	limit := 256 - 256%len(alphabet)
	out := make([]byte, 0, n)
	buf := make([]byte, 2*n)
	for tries := 0; len(out) < n; tries++ {
		if tries > 64 {
			return "", errors.New("root credentials: random source keeps returning unusable bytes")
		}
		if _, err := io.ReadFull(rand, buf); err != nil {
			return "", fmt.Errorf("root credentials: random source: %w", err)
		}
		for _, b := range buf {
			if int(b) < limit && len(out) < n {
				out = append(out, alphabet[int(b)%len(alphabet)])
			}
		}
	}
	return string(out), nil
}

// store writes c to Path(dataDir) unless the file exists; won is false when
// another writer created it first.
func store(dataDir string, c Credentials) (won bool, err error) {
	path := Path(dataDir)
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return false, fmt.Errorf("root credentials: %w", err)
	}
	data, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		return false, fmt.Errorf("root credentials: %w", err)
	}
	tmp, err := os.CreateTemp(dir, ".root-credentials-*.tmp") // mode 0600
	if err != nil {
		return false, fmt.Errorf("root credentials: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(append(data, '\n')); err != nil {
		tmp.Close()
		return false, fmt.Errorf("root credentials: write %s: %w", tmp.Name(), err)
	}
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return false, fmt.Errorf("root credentials: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return false, fmt.Errorf("root credentials: sync %s: %w", tmp.Name(), err)
	}
	if err := tmp.Close(); err != nil {
		return false, fmt.Errorf("root credentials: %w", err)
	}
	// A hard link publishes the complete file under its final name only if
	// that name is free, so a concurrent start never overwrites credentials
	// another process already handed out.
	if err := os.Link(tmp.Name(), path); err != nil {
		if errors.Is(err, os.ErrExist) {
			return false, nil
		}
		return false, fmt.Errorf("root credentials: store %s: %w", path, err)
	}
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		d.Close()
	}
	return true, nil
}
