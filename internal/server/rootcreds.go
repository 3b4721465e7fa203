package server

import (
	"fmt"
	"path/filepath"

	"github.com/fedstore/fedstore/internal/rootcred"
)

// rootCreds are the root credentials in force and where they came from.
type rootCreds struct {
	user, secret string
	// generated: created by this start; printed once.
	generated bool
	// path of the stored file, "" when they came from the environment.
	path string
}

// rootCredentials takes them from the config (environment) when given, else
// loads them from the data dir, generating and storing them on first start.
func (s *Server) rootCredentials() (rootCreds, error) {
	if s.cfg.RootUser != "" {
		return rootCreds{user: s.cfg.RootUser, secret: s.cfg.RootPassword}, nil
	}
	c, created, err := rootcred.LoadOrCreate(s.cfg.DataDir, s.rand)
	if err != nil {
		return rootCreds{}, fmt.Errorf("server: %w", err)
	}
	path := rootcred.Path(s.cfg.DataDir)
	if abs, err := filepath.Abs(path); err == nil {
		path = abs
	}
	return rootCreds{user: c.AccessKey, secret: c.SecretKey, generated: created, path: path}, nil
}

// printGenerated shows freshly generated credentials once, as lines a user can
// paste into a shell.
func (s *Server) printGenerated(c rootCreds) error {
	w := s.cfg.Stdout
	_, err := fmt.Fprintf(w, `fedstore generated root credentials and stored them in %s (mode 0600).
They are shown only this once. To use them with the AWS CLI:

export AWS_ACCESS_KEY_ID=%s
export AWS_SECRET_ACCESS_KEY=%s
export AWS_DEFAULT_REGION=%s
aws --endpoint-url %s s3 ls

`, c.path, shellQuote(c.user), shellQuote(c.secret), s.cfg.Region, s.URL())
	if err != nil {
		return fmt.Errorf("server: print generated credentials: %w", err)
	}
	return nil
}

// shellQuote quotes v for a POSIX shell when it holds anything but safe
// characters.
func shellQuote(v string) string {
	safe := true
	for _, r := range v {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.' || r == '/' || r == '+' || r == '@' || r == '=') {
			safe = false
			break
		}
	}
	if safe && v != "" {
		return v
	}
	out := []byte{'\''}
	for i := 0; i < len(v); i++ {
		if v[i] == '\'' {
			out = append(out, `'\''`...)
			continue
		}
		out = append(out, v[i])
	}
	return string(append(out, '\''))
}
