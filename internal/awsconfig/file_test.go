package awsconfig

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestSet(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in, section string
		kvs               []KV
		want              string
	}{
		{"empty file", "", "fedstore", []KV{{"a", "1"}}, "[fedstore]\na = 1\n"},
		{
			"keeps other profiles and comments",
			"# my file\n[default]\naws_access_key_id = AKIA\n; note\n\n[other]\nx = y\n",
			"fedstore", []KV{{"a", "1"}},
			"# my file\n[default]\naws_access_key_id = AKIA\n; note\n\n[other]\nx = y\n\n[fedstore]\na = 1\n",
		},
		{
			"replaces in place, adds after last setting",
			"[fedstore]\n# keep me\na = old\nregion = eu\n\n[next]\nb = 2\n",
			"fedstore", []KV{{"a", "new"}, {"c", "3"}},
			"[fedstore]\n# keep me\na = new\nregion = eu\nc = 3\n\n[next]\nb = 2\n",
		},
		{
			"replaces nested continuation lines",
			"[services s]\ns3 =\n  endpoint_url = http://old\nsts = x\n",
			"services s", []KV{{"s3", "plain"}},
			"[services s]\ns3 = plain\nsts = x\n",
		},
		{"CRLF input", "[p]\r\na = 1\r\n", "p", []KV{{"b", "2"}}, "[p]\na = 1\nb = 2\n"},
		{"spaces in header", "[ profile  x ]\na = 1\n", "profile x", []KV{{"a", "2"}}, "[ profile  x ]\na = 2\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := Parse([]byte(tc.in))
			if err := f.Set(tc.section, tc.kvs...); err != nil {
				t.Fatal(err)
			}
			if got := string(f.Bytes()); got != tc.want {
				t.Errorf("got:\n%s\nwant:\n%s", got, tc.want)
			}
		})
	}
}

func TestSetRefusesUnsafe(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, section string
		kv            KV
	}{
		{"newline in value", "p", KV{"a", "x\n[evil]"}},
		{"bracket in section", "p]x", KV{"a", "1"}},
		{"equals in key", "p", KV{"a=b", "1"}},
		{"empty key", "p", KV{"", "1"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := Parse([]byte("[p]\na = 1\n"))
			if err := f.Set(tc.section, tc.kv); !errors.Is(err, ErrInvalid) {
				t.Fatalf("err = %v, want ErrInvalid", err)
			}
			if got := string(f.Bytes()); got != "[p]\na = 1\n" {
				t.Fatalf("file changed: %q", got)
			}
		})
	}
}

func TestCredentialsAndEndpointFiles(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	creds, cfg := filepath.Join(dir, "aws", "credentials"), filepath.Join(dir, "aws", "config")
	if err := os.MkdirAll(filepath.Dir(creds), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(creds, []byte("# mine\n[default]\naws_access_key_id = AKIAOLD\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	exp := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	want := Credentials{AccessKeyID: "ASIA1", SecretAccessKey: "s", SessionToken: "tok", Expiration: exp}
	if err := WriteCredentials(creds, "fedstore", want); err != nil {
		t.Fatal(err)
	}
	got, err := ReadCredentials(creds, "fedstore")
	if err != nil || got != want {
		t.Fatalf("ReadCredentials = %+v, %v; want %+v", got, err, want)
	}
	b, _ := os.ReadFile(creds)
	if string(b[:42]) != "# mine\n[default]\naws_access_key_id = AKIAO" {
		t.Fatalf("other profile not kept:\n%s", b)
	}
	fi, _ := os.Stat(creds)
	if fi.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v, want 0600", fi.Mode().Perm())
	}
	if _, err := ReadCredentials(creds, "missing"); err == nil {
		t.Fatal("missing profile read without error")
	}
	for range 2 { // idempotent
		if err := WriteEndpoint(cfg, "fedstore", "http://127.0.0.1:9000", "us-east-1"); err != nil {
			t.Fatal(err)
		}
	}
	b, _ = os.ReadFile(cfg)
	wantCfg := "[profile fedstore]\nservices = fedstore-svc\nregion = us-east-1\n\n[services fedstore-svc]\ns3 =\n  endpoint_url = http://127.0.0.1:9000\nsts =\n  endpoint_url = http://127.0.0.1:9000\n"
	if string(b) != wantCfg {
		t.Fatalf("config:\n%s\nwant:\n%s", b, wantCfg)
	}
	entries, _ := os.ReadDir(filepath.Dir(cfg))
	if len(entries) != 2 {
		t.Fatalf("temporary files left behind: %v", entries)
	}
}

func TestConfigSection(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{"default": "default", "fedstore": "profile fedstore"} {
		if got := ConfigSection(in); got != want {
			t.Errorf("ConfigSection(%q) = %q, want %q", in, got, want)
		}
	}
}
