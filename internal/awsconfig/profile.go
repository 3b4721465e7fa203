package awsconfig

import (
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// Paths are the shared files' locations: $AWS_SHARED_CREDENTIALS_FILE and
// $AWS_CONFIG_FILE, else ~/.aws/credentials and ~/.aws/config.
type Paths struct {
	Credentials string
	Config      string
}

// DefaultPaths resolves Paths as the AWS CLI does, through getenv.
func DefaultPaths(getenv func(string) string) (Paths, error) {
	p := Paths{Credentials: getenv("AWS_SHARED_CREDENTIALS_FILE"), Config: getenv("AWS_CONFIG_FILE")}
	if p.Credentials != "" && p.Config != "" {
		return p, nil
	}
	home := getenv("HOME")
	if home == "" {
		var err error
		if home, err = os.UserHomeDir(); err != nil {
			return Paths{}, fmt.Errorf("awsconfig: no home directory: %w", err)
		}
	}
	if p.Credentials == "" {
		p.Credentials = filepath.Join(home, ".aws", "credentials")
	}
	if p.Config == "" {
		p.Config = filepath.Join(home, ".aws", "config")
	}
	return p, nil
}

// Keys of the credentials file.
const (
	KeyAccessKeyID     = "aws_access_key_id"
	KeySecretAccessKey = "aws_secret_access_key"
	KeySessionToken    = "aws_session_token"
	// KeyExpiration records when the session ends (RFC 3339, UTC). The
	// AWS tools ignore it; `fedstore credentials` reads it.
	KeyExpiration = "fedstore_expiration"
)

// Credentials are temporary credentials as stored under a profile.
type Credentials struct {
	AccessKeyID     string
	SecretAccessKey string
	SessionToken    string
	Expiration      time.Time
}

// ConfigSection is a profile's section name in the config file: "default"
// or "profile NAME" (the credentials file uses the bare name).
func ConfigSection(profile string) string {
	if profile == "default" {
		return "default"
	}
	return "profile " + profile
}

// ServicesSection is the config section holding endpoints for profile.
func ServicesSection(profile string) string { return "services " + profile + "-svc" }

// WriteCredentials stores c under profile in the credentials file,
// keeping every other profile and line.
func WriteCredentials(path, profile string, c Credentials) error {
	f, err := Load(path)
	if err != nil {
		return err
	}
	if err := f.Set(profile,
		KV{KeyAccessKeyID, c.AccessKeyID},
		KV{KeySecretAccessKey, c.SecretAccessKey},
		KV{KeySessionToken, c.SessionToken},
		KV{KeyExpiration, c.Expiration.UTC().Format(time.RFC3339)},
	); err != nil {
		return err
	}
	return f.Save(path)
}

// ReadCredentials returns the credentials stored under profile.
func ReadCredentials(path, profile string) (Credentials, error) {
	f, err := Load(path)
	if err != nil {
		return Credentials{}, err
	}
	if !f.HasSection(profile) {
		return Credentials{}, fmt.Errorf("awsconfig: %s has no profile [%s]", path, profile)
	}
	var c Credentials
	c.AccessKeyID, _ = f.Get(profile, KeyAccessKeyID)
	c.SecretAccessKey, _ = f.Get(profile, KeySecretAccessKey)
	c.SessionToken, _ = f.Get(profile, KeySessionToken)
	if v, ok := f.Get(profile, KeyExpiration); ok {
		t, err := time.Parse(time.RFC3339, v)
		if err != nil {
			return Credentials{}, fmt.Errorf("awsconfig: profile [%s]: %s %q is not an RFC 3339 time", profile, KeyExpiration, v)
		}
		c.Expiration = t
	}
	return c, nil
}

// WriteEndpoint points profile at endpoint for S3 and STS through a
// services section ("[profile P] services = P-svc" and "[services P-svc]"
// with nested endpoint_url settings), and sets region when not empty and
// the profile has none.
func WriteEndpoint(path, profile, endpoint, region string) error {
	f, err := Load(path)
	if err != nil {
		return err
	}
	svc := profile + "-svc"
	sec := ConfigSection(profile)
	kvs := []KV{{"services", svc}}
	if _, ok := f.Get(sec, "region"); !ok && region != "" {
		kvs = append(kvs, KV{"region", region})
	}
	if err := f.Set(sec, kvs...); err != nil {
		return err
	}
	for _, s := range []string{"s3", "sts"} {
		if err := f.SetNested(ServicesSection(profile), s, KV{"endpoint_url", endpoint}); err != nil {
			return err
		}
	}
	return f.Save(path)
}
