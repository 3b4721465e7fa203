package devidp

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// Files of the dev IdP inside the server's own directory (DATA/.fedstore).
const (
	KeyFileName  = "dev-idp-key.pem"
	InfoFileName = "dev-idp.json"
	rsaBits      = 2048
	maxFileBytes = 64 << 10
)

// LoadOrCreateKey reads the RSA signing key at path, or generates one from
// rnd (nil: crypto/rand) and writes it there (PKCS#8 PEM, mode 0600,
// created exclusively so two servers never overwrite each other's key).
func LoadOrCreateKey(path string, rnd io.Reader) (*rsa.PrivateKey, error) {
	k, err := LoadKey(path)
	if err == nil || !errors.Is(err, fs.ErrNotExist) {
		return k, err
	}
	if rnd == nil {
		rnd = rand.Reader
	}
	key, err := rsa.GenerateKey(rnd, rsaBits)
	if err != nil {
		return nil, fmt.Errorf("dev IdP: generate signing key: %w", err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, fmt.Errorf("dev IdP: encode signing key: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("dev IdP: %w", err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		if errors.Is(err, fs.ErrExist) {
			return LoadKey(path) // another process won the race
		}
		return nil, fmt.Errorf("dev IdP: write signing key: %w", err)
	}
	werr := pem.Encode(f, &pem.Block{Type: "PRIVATE KEY", Bytes: der})
	if err := errors.Join(werr, f.Sync(), f.Close()); err != nil {
		_ = os.Remove(path)
		return nil, fmt.Errorf("dev IdP: write signing key %s: %w", path, err)
	}
	return key, nil
}

// LoadKey reads the RSA signing key at path. It refuses a key file that
// others can read (mode must be 0600 or stricter).
func LoadKey(path string) (*rsa.PrivateKey, error) {
	b, err := readPrivate(path)
	if err != nil {
		return nil, err
	}
	blk, _ := pem.Decode(b)
	if blk == nil || blk.Type != "PRIVATE KEY" {
		return nil, fmt.Errorf("dev IdP: %s holds no PEM \"PRIVATE KEY\" block", path)
	}
	k, err := x509.ParsePKCS8PrivateKey(blk.Bytes)
	if err != nil {
		return nil, fmt.Errorf("dev IdP: %s: %w", path, err)
	}
	rk, ok := k.(*rsa.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("dev IdP: %s holds a %T, want an RSA key", path, k)
	}
	return rk, nil
}

// Info is what the server writes next to the key at start (InfoFileName,
// 0600) so `fedstore dev token` knows the issuer and audience to mint for.
type Info struct {
	Issuer   string `json:"issuer"`
	Audience string `json:"audience"`
	Provider string `json:"provider"`
}

// WriteInfo writes info to path (mode 0600), replacing it atomically.
func WriteInfo(path string, info Info) error {
	b, err := json.MarshalIndent(info, "", "  ")
	if err != nil {
		return fmt.Errorf("dev IdP: %w", err)
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, append(b, '\n'), 0o600); err != nil {
		return fmt.Errorf("dev IdP: write %s: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("dev IdP: write %s: %w", path, err)
	}
	return nil
}

// ReadInfo reads what WriteInfo wrote.
func ReadInfo(path string) (Info, error) {
	var info Info
	b, err := readPrivate(path)
	if err != nil {
		return info, err
	}
	if err := json.Unmarshal(b, &info); err != nil {
		return info, fmt.Errorf("dev IdP: %s: %w", path, err)
	}
	if info.Issuer == "" || info.Audience == "" {
		return info, fmt.Errorf("dev IdP: %s names no issuer or audience", path)
	}
	return info, nil
}

func readPrivate(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("dev IdP: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("dev IdP: %w", err)
	}
	if st.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("dev IdP: %s has mode %04o; it must be readable by its owner only (chmod 600)", path, st.Mode().Perm())
	}
	b, err := io.ReadAll(io.LimitReader(f, maxFileBytes+1))
	if err != nil {
		return nil, fmt.Errorf("dev IdP: read %s: %w", path, err)
	}
	if len(b) > maxFileBytes {
		return nil, fmt.Errorf("dev IdP: %s is larger than %d bytes", path, maxFileBytes)
	}
	return b, nil
}
