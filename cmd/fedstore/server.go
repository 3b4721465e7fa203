package main

import (
	"errors"

	"github.com/spf13/cobra"
)

// Placeholder; the server helper replaces this file.
func newServerCmd() *cobra.Command {
	return &cobra.Command{Use: "server", Short: "Run the fedstore server", RunE: func(*cobra.Command, []string) error { return errors.New("not built yet") }}
}
