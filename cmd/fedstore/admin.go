package main

import "github.com/spf13/cobra"

// Placeholder; the admin helper replaces this file.
func addAdminCommands(root *cobra.Command) {}
