package main

import (
	"github.com/spf13/pflag"
)

// clusterServerFlags are the server's etcd and node registry flags.
type clusterServerFlags struct {
	etcdEndpoints []string
	etcdPrefix    string
	etcdCA        string
	etcdCert      string
	etcdKey       string
	etcdUser      string
	nodeID        string
	advertiseURL  string
}

func addClusterServerFlags(fl *pflag.FlagSet, f *clusterServerFlags) {
	fl.StringSliceVar(&f.etcdEndpoints, "etcd-endpoints", nil, "etcd client URLs, comma-separated (with --state etcd)")
	fl.StringVar(&f.etcdPrefix, "etcd-prefix", "", `prefix of fedstore's keys in etcd (default "/fedstore/")`)
	fl.StringVar(&f.etcdCA, "etcd-ca", "", "CA certificates (PEM) to verify the etcd servers with")
	fl.StringVar(&f.etcdCert, "etcd-cert", "", "client certificate (PEM) for etcd, with --etcd-key")
	fl.StringVar(&f.etcdKey, "etcd-key", "", "client private key (PEM) for etcd")
	fl.StringVar(&f.etcdUser, "etcd-user", "", "etcd user name; the password comes from $"+envEtcdPassword)
	fl.StringVar(&f.nodeID, "node-id", "", "this node's id in the cluster registry (default HOSTNAME:PORT)")
	fl.StringVar(&f.advertiseURL, "advertise-url", "", "URL other nodes and operators reach this node at (default the listening URL)")
}
