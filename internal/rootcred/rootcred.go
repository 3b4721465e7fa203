package rootcred

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// Names of the environment variables and of the stored file.
const (
	EnvUser     = "FEDSTORE_ROOT_USER"
	EnvPassword = "FEDSTORE_ROOT_PASSWORD"
	// Dir is fedstore's own directory inside the data dir.
	Dir = ".fedstore"
	// FileName is the stored credentials file inside Dir.
	FileName = "root-credentials.json"
)

// Limits on root credentials, wherever they come from.
const (
	MinAccessKeyLen = 3
	MaxAccessKeyLen = 128
	MinSecretKeyLen = 8
	MaxSecretKeyLen = 256
	// maxFileSize bounds what Load reads.
	maxFileSize = 64 << 10
)

// Lengths of generated credentials.
const (
	GeneratedAccessKeyLen = 20
	GeneratedSecretKeyLen = 40
)

// ErrInvalid marks credentials that are malformed (length, characters,
// only one of the two environment variables, a bad file).
var ErrInvalid = errors.New("invalid root credentials")

// Credentials are the root access key and secret key.
type Credentials struct {
	AccessKey string `json:"accessKey"`
	SecretKey string `json:"secretKey"`
}

// String never shows the secret.
func (c Credentials) String() string { return "root(" + c.AccessKey + ")" }

// Validate checks lengths and that both are printable ASCII without spaces
// (they travel in the SigV4 Credential field and in shell exports).
func (c Credentials) Validate() error {
	if err := checkField("access key", c.AccessKey, MinAccessKeyLen, MaxAccessKeyLen); err != nil {
		return err
	}
	if err := checkField("secret key", c.SecretKey, MinSecretKeyLen, MaxSecretKeyLen); err != nil {
		return err
	}
	return nil
}

func checkField(name, v string, min, max int) error {
	if len(v) < min || len(v) > max {
		return fmt.Errorf("%w: %s must be %d to %d characters, got %d", ErrInvalid, name, min, max, len(v))
	}
	for i := 0; i < len(v); i++ {
		if v[i] <= ' ' || v[i] > '~' {
			return fmt.Errorf("%w: %s has a space, control or non-ASCII character at position %d", ErrInvalid, name, i+1)
		}
	}
	if name == "access key" {
		for i := 0; i < len(v); i++ {
			if v[i] == '/' {
				return fmt.Errorf("%w: access key must not contain '/' (it separates the SigV4 credential scope)", ErrInvalid)
			}
		}
	}
	return nil
}

// Path returns DATA/.fedstore/root-credentials.json.
func Path(dataDir string) string {
	return filepath.Join(dataDir, Dir, FileName)
}

// FromEnv returns the credentials given by the environment. ok is false when
// neither variable is set; exactly one set is an error.
func FromEnv(getenv func(string) string) (c Credentials, ok bool, err error) {
	user, pass := getenv(EnvUser), getenv(EnvPassword)
	switch {
	case user == "" && pass == "":
		return Credentials{}, false, nil
	case user == "":
		return Credentials{}, false, fmt.Errorf("%w: %s is set but %s is not", ErrInvalid, EnvPassword, EnvUser)
	case pass == "":
		return Credentials{}, false, fmt.Errorf("%w: %s is set but %s is not", ErrInvalid, EnvUser, EnvPassword)
	}
	c = Credentials{AccessKey: user, SecretKey: pass}
	if err := c.Validate(); err != nil {
		return Credentials{}, false, fmt.Errorf("from %s/%s: %w", EnvUser, EnvPassword, err)
	}
	return c, true, nil
}

// Load reads the stored credentials of dataDir. A missing file is an error
// wrapping os.ErrNotExist; a file readable by group or others is refused.
func Load(dataDir string) (Credentials, error) {
	path := Path(dataDir)
	f, err := os.Open(path)
	if err != nil {
		return Credentials{}, fmt.Errorf("root credentials: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return Credentials{}, fmt.Errorf("root credentials: %w", err)
	}
	if !fi.Mode().IsRegular() {
		return Credentials{}, fmt.Errorf("%w: %s is not a regular file", ErrInvalid, path)
	}
	if fi.Mode().Perm()&0o077 != 0 {
		return Credentials{}, fmt.Errorf("%w: %s has mode %04o, readable by others; run chmod 600 on it", ErrInvalid, path, fi.Mode().Perm())
	}
	data, err := io.ReadAll(io.LimitReader(f, maxFileSize+1))
	if err != nil {
		return Credentials{}, fmt.Errorf("root credentials: read %s: %w", path, err)
	}
	if len(data) > maxFileSize {
		return Credentials{}, fmt.Errorf("%w: %s is larger than %d bytes", ErrInvalid, path, maxFileSize)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var c Credentials
	if err := dec.Decode(&c); err != nil {
		return Credentials{}, fmt.Errorf("%w: %s: %v", ErrInvalid, path, err)
	}
	if dec.More() {
		return Credentials{}, fmt.Errorf("%w: %s: trailing data after the JSON object", ErrInvalid, path)
	}
	if err := c.Validate(); err != nil {
		return Credentials{}, fmt.Errorf("%s: %w", path, err)
	}
	return c, nil
}

// LoadOrCreate loads the stored credentials, or generates them from rand and
// stores them (mode 0600, atomically; when two processes race, both end up
// with the one file that won). created reports a fresh generation.
func LoadOrCreate(dataDir string, rand io.Reader) (c Credentials, created bool, err error) {
	c, err = Load(dataDir)
	if err == nil || !errors.Is(err, os.ErrNotExist) {
		return c, false, err
	}
	c, err = Generate(rand)
	if err != nil {
		return Credentials{}, false, err
	}
	won, err := store(dataDir, c)
	if err != nil {
		return Credentials{}, false, err
	}
	if !won {
		c, err = Load(dataDir)
		return c, false, err
	}
	return c, true, nil
}

// Resolve returns the credentials a client should use: the environment's,
// else those stored under dataDir (when dataDir is not empty).
func Resolve(getenv func(string) string, dataDir string) (Credentials, error) {
	c, ok, err := FromEnv(getenv)
	if err != nil || ok {
		return c, err
	}
	if dataDir == "" {
		return Credentials{}, fmt.Errorf("no root credentials: set %s and %s, or pass --data DIR of the server", EnvUser, EnvPassword)
	}
	c, err = Load(dataDir)
	if errors.Is(err, os.ErrNotExist) {
		return Credentials{}, fmt.Errorf("no root credentials: set %s and %s, or pass --data DIR of the server (%s does not exist)", EnvUser, EnvPassword, Path(dataDir))
	}
	return c, err
}
