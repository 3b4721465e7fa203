package server

import (
	"context"
	"fmt"
	"path/filepath"
	"runtime"

	"github.com/fedstore/fedstore/internal/adminapi"
	"github.com/fedstore/fedstore/internal/authn"
	"github.com/fedstore/fedstore/internal/iam"
	"github.com/fedstore/fedstore/internal/object/posix"
	"github.com/fedstore/fedstore/internal/s3api"
)

// wire builds the object backend, the authenticator and the APIs; the STS
// API (s.sts) and its credential chain come from wireSTS (sts.go).
func (s *Server) wire(creds rootCreds) error {
	if err := s.wireOIDC(); err != nil {
		return err
	}
	// The journal needs the data directory to itself: on with the embedded
	// state store (one node), off in a cluster sharing a filesystem.
	backend, err := posix.New(s.cfg.DataDir, posix.Options{Now: s.clock, Rand: s.rand, Logger: s.log,
		Journal: s.cfg.State == StateBolt})
	if err != nil {
		return fmt.Errorf("server: object backend: %w", err)
	}
	s.objects = backend
	if s.iam == nil {
		if s.iam, err = iam.New(context.Background(), s.store, iam.Options{Logger: s.log, Clock: s.clock}); err != nil {
			return fmt.Errorf("server: iam: %w", err)
		}
	}
	source, err := s.wireSTS(NewRootSource(creds.user, creds.secret), s.iam)
	if err != nil {
		return err
	}
	auth := authn.New(source, authn.Options{
		Region: s.cfg.Region,
		Clock:  s.clock,
	})
	s.s3 = s3api.New(s3api.Config{
		Backend: backend,
		Auth:    auth,
		Logger:  s.log,
		Region:  s.cfg.Region,
		Clock:   s.clock,
		Domain:  s.cfg.Domain,

		Authz:          s.s3Authorizer(),
		BucketPolicies: s.iam,
	})
	s.admin = adminapi.New(adminapi.Config{
		Auth:   auth,
		Store:  s.store,
		Info:   s.adminInfo(),
		Logger: s.log,
		Clock:  s.clock,
		OIDC:   s.oidc.providers,
		STS:    s.stsSvc,
		IAM:    s.iam,

		Cluster:      s.wireCluster(),
		ClusterStore: s.clusterStore,
	})
	return s.wireSignIn() // signin.go
}

// adminInfo returns the static facts the admin API reports.
func (s *Server) adminInfo() func() adminapi.Info {
	started := s.clock().UTC()
	dataDir := s.cfg.DataDir
	if abs, err := filepath.Abs(dataDir); err == nil {
		dataDir = abs
	}
	version := s.cfg.Version
	if version == "" {
		version = "dev"
	}
	return func() adminapi.Info {
		return adminapi.Info{
			Version:   version,
			Go:        runtime.Version(),
			DataDir:   dataDir,
			Address:   s.URL(),
			StartedAt: started,
			State:     adminapi.StateInfo{Backend: s.cfg.State},
		}
	}
}
