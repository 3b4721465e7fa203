package main

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/fedstore/fedstore/internal/adminapi"
)

func newClusterCmd(getenv func(string) string) *cobra.Command {
	cmd, o := newClientGroup("cluster", "Inspect the nodes of a fedstore cluster", `Commands about the nodes that share one state store (a cluster on etcd, or a
single node on bolt). Every node registers itself in the state store and
refreshes its entry every few seconds; any node answers for all of them.

The server is found with --endpoint, else $`+envEndpoint+`, else `+defaultEndpoint+`.`, getenv)
	cmd.AddCommand(newClusterStatusCmd(o))
	return cmd
}

func newClusterStatusCmd(o *clientOptions) *cobra.Command {
	return &cobra.Command{
		Use:   "status",
		Short: "Show the state store, its revision and every registered node",
		Long: `Show the state store the cluster shares (backend, etcd endpoints and prefix),
its current revision, and every registered node: id, address, version,
status ("up" while it heartbeats, "stale" after 15 s without a heartbeat;
entries without a heartbeat for 10 minutes are removed), start time and
heartbeat age.
The node that answered is marked with "*".`,
		Example: `  fedstore cluster status --endpoint http://fedstore-lb:9000
  fedstore cluster status --json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := o.client()
			if err != nil {
				return fmt.Errorf("cluster status: %w", err)
			}
			st, err := c.ClusterStatus(cmd.Context())
			if err != nil {
				return fmt.Errorf("cluster status: %w", err)
			}
			return o.print(cmd.OutOrStdout(), st, func(w io.Writer) error { return printClusterStatus(w, st) })
		},
	}
}

func printClusterStatus(w io.Writer, st adminapi.ClusterStatus) error {
	store := st.Store.Backend
	if len(st.Store.Endpoints) > 0 {
		store += " " + strings.Join(st.Store.Endpoints, ",")
	}
	if st.Store.Prefix != "" {
		store += " prefix " + st.Store.Prefix
	}
	up := 0
	for _, n := range st.Nodes {
		if n.Status == "up" {
			up++
		}
	}
	if _, err := fmt.Fprintf(w, "State store: %s (revision %d)\nNodes: %d up, %d registered\n\n", store, st.Store.Revision, up, len(st.Nodes)); err != nil {
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	if _, err := fmt.Fprintln(tw, "\tNODE\tADDRESS\tVERSION\tSTATUS\tSTARTED\tHEARTBEAT"); err != nil {
		return err
	}
	for _, n := range st.Nodes {
		mark := ""
		if n.Self {
			mark = "*"
		}
		if _, err := fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s ago\n", mark, n.ID, dash(n.Address), dash(n.Version), n.Status,
			n.StartedAt.UTC().Format(time.RFC3339), time.Duration(n.AgeSeconds)*time.Second); err != nil {
			return err
		}
	}
	return tw.Flush()
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
