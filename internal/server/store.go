package server

import (
	"fmt"
	"path/filepath"

	"github.com/fedstore/fedstore/internal/state"
	"github.com/fedstore/fedstore/internal/state/bolt"
	"github.com/fedstore/fedstore/internal/state/etcd"
)

// StateFileName is the bolt store's file inside DATA/.fedstore.
const StateFileName = "state.db"

// openStore opens the state store named by cfg.State.
func openStore(cfg Config) (state.Store, error) {
	switch cfg.State {
	case StateBolt:
		st, err := bolt.Open(filepath.Join(cfg.DataDir, metaDirName, StateFileName))
		if err != nil {
			return nil, fmt.Errorf("server: state store: %w", err)
		}
		return st, nil
	case StateEtcd:
		st, err := etcd.New(etcd.Config{
			Endpoints: cfg.EtcdEndpoints,
			Prefix:    cfg.EtcdPrefix,
			CAFile:    cfg.EtcdCAFile,
			CertFile:  cfg.EtcdCertFile,
			KeyFile:   cfg.EtcdKeyFile,
			Username:  cfg.EtcdUsername,
			Password:  cfg.EtcdPassword,
			Logger:    cfg.Logger,
		})
		if err != nil {
			return nil, fmt.Errorf("server: state store: %w", err)
		}
		return st, nil
	default:
		// validate() refuses every other name; keep the error precise anyway.
		return nil, fmt.Errorf("%w: state store %q is not available", ErrConfig, cfg.State)
	}
}
