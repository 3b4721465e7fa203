package server

import (
	"errors"
	"strings"
	"testing"
)

func TestConfigValidate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		cfg     Config
		wantErr string // "" = valid
	}{
		{name: "minimal", cfg: Config{DataDir: "d"}},
		{name: "no data dir", cfg: Config{}, wantErr: "data directory"},
		{name: "cert without key", cfg: Config{DataDir: "d", TLSCertFile: "c"}, wantErr: "--tls-cert and --tls-key"},
		{name: "key without cert", cfg: Config{DataDir: "d", TLSKeyFile: "k"}, wantErr: "--tls-cert and --tls-key"},
		{name: "etcd without endpoints", cfg: Config{DataDir: "d", State: "etcd"}, wantErr: "--state etcd needs --etcd-endpoints"},
		{name: "etcd", cfg: Config{DataDir: "d", State: "etcd", EtcdEndpoints: []string{"http://127.0.0.1:2379"}}},
		{name: "etcd flags with bolt", cfg: Config{DataDir: "d", EtcdEndpoints: []string{"http://127.0.0.1:2379"}}, wantErr: "--etcd-* settings need --state etcd"},
		{name: "node id", cfg: Config{DataDir: "d", NodeID: "node-1.example:9000"}},
		{name: "bad node id", cfg: Config{DataDir: "d", NodeID: "a/b"}, wantErr: "--node-id"},
		{name: "advertise url", cfg: Config{DataDir: "d", AdvertiseURL: "https://n1.example.com:9000"}},
		{name: "bad advertise url", cfg: Config{DataDir: "d", AdvertiseURL: "n1:9000"}, wantErr: "--advertise-url"},
		{name: "unknown state", cfg: Config{DataDir: "d", State: "redis"}, wantErr: `unknown state store "redis" (want bolt or etcd)`},
		{name: "root pair", cfg: Config{DataDir: "d", RootUser: "admin", RootPassword: "password1"}},
		{name: "user only", cfg: Config{DataDir: "d", RootUser: "admin"}, wantErr: "FEDSTORE_ROOT_USER is set but FEDSTORE_ROOT_PASSWORD is not"},
		{name: "password only", cfg: Config{DataDir: "d", RootPassword: "password1"}, wantErr: "FEDSTORE_ROOT_PASSWORD is set but FEDSTORE_ROOT_USER is not"},
		{name: "user too short", cfg: Config{DataDir: "d", RootUser: "ab", RootPassword: "password1"}, wantErr: "access key must be 3 to 128 characters, got 2"},
		{name: "user too long", cfg: Config{DataDir: "d", RootUser: strings.Repeat("a", 129), RootPassword: "password1"}, wantErr: "got 129"},
		{name: "user with slash", cfg: Config{DataDir: "d", RootUser: "ad/min", RootPassword: "password1"}, wantErr: "must not contain '/'"},
		{name: "password too short", cfg: Config{DataDir: "d", RootUser: "admin", RootPassword: "1234567"}, wantErr: "secret key must be 8 to 256 characters, got 7"},
		{name: "password with space", cfg: Config{DataDir: "d", RootUser: "admin", RootPassword: "pass word"}, wantErr: "secret key has a space, control or non-ASCII character at position 5"},
		{name: "password 8 chars", cfg: Config{DataDir: "d", RootUser: "adm", RootPassword: "12345678"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg := tt.cfg
			cfg.applyDefaults()
			err := cfg.validate()
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("validate() = %v, want nil", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("validate() = %v, want error containing %q", err, tt.wantErr)
			}
			if !errors.Is(err, ErrConfig) {
				t.Errorf("error %v is not ErrConfig", err)
			}
		})
	}
}

func TestConfigDefaults(t *testing.T) {
	t.Parallel()
	c := Config{DataDir: "d"}
	c.applyDefaults()
	if c.Address != DefaultAddress || c.State != StateBolt || c.Region != DefaultRegion ||
		c.ShutdownTimeout != DefaultShutdownTimeout || c.Logger == nil || c.Stdout == nil || c.Clock == nil {
		t.Errorf("defaults not applied: %+v", c)
	}
}

func TestShellQuote(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"AKIAEXAMPLE", "AKIAEXAMPLE"},
		{"a+b/c=", "a+b/c="},
		{"it's", `'it'\''s'`},
		{"a b", "'a b'"},
		{"$HOME", "'$HOME'"},
		{"", "''"},
	}
	for _, tt := range tests {
		if got := shellQuote(tt.in); got != tt.want {
			t.Errorf("shellQuote(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestSTSTokenFormat: --sts-token-format is validated (reference needs the
// embedded store) and auto resolves by the state store.
func TestSTSTokenFormat(t *testing.T) {
	t.Parallel()
	etcd := []string{"http://127.0.0.1:2379"}
	tests := []struct {
		name    string
		cfg     Config
		want    string // the format the STS issues
		wantErr string
	}{
		{name: "default on bolt", cfg: Config{}, want: STSTokenReference},
		{name: "default on etcd", cfg: Config{State: StateEtcd, EtcdEndpoints: etcd}, want: STSTokenSealed},
		{name: "auto on bolt", cfg: Config{STSTokenFormat: "auto"}, want: STSTokenReference},
		{name: "auto on etcd", cfg: Config{STSTokenFormat: "auto", State: StateEtcd, EtcdEndpoints: etcd}, want: STSTokenSealed},
		{name: "sealed on bolt", cfg: Config{STSTokenFormat: "sealed"}, want: STSTokenSealed},
		{name: "sealed on etcd", cfg: Config{STSTokenFormat: "sealed", State: StateEtcd, EtcdEndpoints: etcd}, want: STSTokenSealed},
		{name: "reference on bolt", cfg: Config{STSTokenFormat: "reference"}, want: STSTokenReference},
		{name: "reference on etcd", cfg: Config{STSTokenFormat: "reference", State: StateEtcd, EtcdEndpoints: etcd},
			wantErr: "--sts-token-format reference needs the embedded state store: with --state etcd every node must accept a session the moment another node issued it"},
		{name: "unknown", cfg: Config{STSTokenFormat: "short"}, wantErr: `--sts-token-format "short" must be auto, sealed or reference`},
		{name: "case matters", cfg: Config{STSTokenFormat: "Sealed"}, wantErr: "must be auto, sealed or reference"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg := tt.cfg
			cfg.DataDir = "d"
			cfg.applyDefaults()
			err := cfg.validate()
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !errors.Is(err, ErrConfig) {
					t.Fatalf("validate() = %v, want ErrConfig containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("validate() = %v", err)
			}
			if got := cfg.stsTokenFormat(); got != tt.want {
				t.Errorf("token format %q, want %q", got, tt.want)
			}
		})
	}
}
