package rootcred_test

import (
	"bytes"
	"crypto/rand"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/fedstore/fedstore/internal/rootcred"
)

func env(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestGenerate(t *testing.T) {
	t.Parallel()
	ak := regexp.MustCompile(`^[A-Z0-9]{20}$`)
	sk := regexp.MustCompile(`^[A-Za-z0-9_-]{40}$`)
	seen := map[string]bool{}
	for i := 0; i < 50; i++ {
		c, err := rootcred.Generate(rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		if !ak.MatchString(c.AccessKey) || !sk.MatchString(c.SecretKey) {
			t.Fatalf("generated %q / %q", c.AccessKey, c.SecretKey)
		}
		if err := c.Validate(); err != nil {
			t.Fatal(err)
		}
		if seen[c.AccessKey] {
			t.Fatal("repeated access key")
		}
		seen[c.AccessKey] = true
	}
	// Bytes >= 252 are rejected for the 36-letter alphabet, so an all-0xff
	// source cannot produce a key, and a short source is an error.
	if _, err := rootcred.Generate(bytes.NewReader(bytes.Repeat([]byte{0xff}, 1<<16))); err == nil {
		t.Fatal("Generate from unusable bytes succeeded")
	}
	if _, err := rootcred.Generate(bytes.NewReader([]byte{1, 2, 3})); err == nil {
		t.Fatal("Generate from a short source succeeded")
	}
	if s := (rootcred.Credentials{AccessKey: "AK", SecretKey: "topsecret"}).String(); strings.Contains(s, "topsecret") {
		t.Fatalf("String shows the secret: %s", s)
	}
}

func TestLoadOrCreate(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	c, created, err := rootcred.LoadOrCreate(dir, rand.Reader)
	if err != nil || !created {
		t.Fatalf("first LoadOrCreate: %v created=%v", err, created)
	}
	fi, err := os.Stat(rootcred.Path(dir))
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Fatalf("mode %04o, want 0600", fi.Mode().Perm())
	}
	again, created, err := rootcred.LoadOrCreate(dir, rand.Reader)
	if err != nil || created || again != c {
		t.Fatalf("second LoadOrCreate = %v created=%v err=%v, want the stored %v", again, created, err, c)
	}
	loaded, err := rootcred.Load(dir)
	if err != nil || loaded != c {
		t.Fatalf("Load = %v, %v", loaded, err)
	}
	entries, _ := os.ReadDir(filepath.Dir(rootcred.Path(dir)))
	if len(entries) != 1 {
		t.Fatalf("leftover files: %v", entries)
	}
}

func TestLoadOrCreateRace(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	const n = 8
	got := make([]rootcred.Credentials, n)
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, _, err := rootcred.LoadOrCreate(dir, rand.Reader)
			if err != nil {
				t.Error(err)
			}
			got[i] = c
		}()
	}
	wg.Wait()
	for i := range got {
		if got[i] != got[0] {
			t.Fatalf("racing starts got different credentials: %v vs %v", got[i], got[0])
		}
	}
}

func TestLoadErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		content string
		mode    os.FileMode
		want    error
	}{
		{"missing", "", 0, os.ErrNotExist},
		{"world readable", `{"accessKey":"ABCDEFGH","secretKey":"secretsecret"}`, 0o644, rootcred.ErrInvalid},
		{"not json", `accessKey=x`, 0o600, rootcred.ErrInvalid},
		{"unknown field", `{"accessKey":"ABCDEFGH","secretKey":"secretsecret","x":1}`, 0o600, rootcred.ErrInvalid},
		{"short secret", `{"accessKey":"ABCDEFGH","secretKey":"short"}`, 0o600, rootcred.ErrInvalid},
		{"empty access key", `{"accessKey":"","secretKey":"secretsecret"}`, 0o600, rootcred.ErrInvalid},
		{"slash in access key", `{"accessKey":"AB/CD","secretKey":"secretsecret"}`, 0o600, rootcred.ErrInvalid},
		{"trailing data", `{"accessKey":"ABCDEFGH","secretKey":"secretsecret"} {}`, 0o600, rootcred.ErrInvalid},
		{"too large", `{"accessKey":"ABCDEFGH","secretKey":"` + strings.Repeat("s", 70000) + `"}`, 0o600, rootcred.ErrInvalid},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			if tc.mode != 0 {
				p := rootcred.Path(dir)
				if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(p, []byte(tc.content), tc.mode); err != nil {
					t.Fatal(err)
				}
				if err := os.Chmod(p, tc.mode); err != nil {
					t.Fatal(err)
				}
			}
			_, err := rootcred.Load(dir)
			if !errors.Is(err, tc.want) {
				t.Fatalf("Load: %v, want %v", err, tc.want)
			}
			// LoadOrCreate never overwrites a bad file.
			if tc.mode != 0 {
				if _, _, err := rootcred.LoadOrCreate(dir, rand.Reader); err == nil {
					t.Fatal("LoadOrCreate replaced a bad file")
				}
			}
		})
	}
}

func TestResolve(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	stored, _, err := rootcred.LoadOrCreate(dir, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		env     map[string]string
		dataDir string
		want    rootcred.Credentials
		wantErr string
	}{
		{"env wins", map[string]string{rootcred.EnvUser: "envuser", rootcred.EnvPassword: "envpassword"}, dir, rootcred.Credentials{AccessKey: "envuser", SecretKey: "envpassword"}, ""},
		{"stored", nil, dir, stored, ""},
		{"only user", map[string]string{rootcred.EnvUser: "envuser"}, dir, rootcred.Credentials{}, "FEDSTORE_ROOT_PASSWORD is not"},
		{"only password", map[string]string{rootcred.EnvPassword: "envpassword"}, dir, rootcred.Credentials{}, "FEDSTORE_ROOT_USER is not"},
		{"short env password", map[string]string{rootcred.EnvUser: "envuser", rootcred.EnvPassword: "x"}, dir, rootcred.Credentials{}, "secret key must be"},
		{"nothing", nil, "", rootcred.Credentials{}, "no root credentials"},
		{"empty data dir", nil, t.TempDir(), rootcred.Credentials{}, "does not exist"},
	}
	for _, tc := range tests {
		got, err := rootcred.Resolve(env(tc.env), tc.dataDir)
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("%s: error %v, want containing %q", tc.name, err, tc.wantErr)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Fatalf("%s: %v, %v; want %v", tc.name, got, err, tc.want)
		}
	}
}
