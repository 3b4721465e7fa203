// Command fedstore is the fedstore server and its administration CLI.
package main

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"
)

func main() {
	root := newRootCmd()
	if err := root.Execute(); err != nil {
		fmt.Fprintln(os.Stderr, "fedstore:", err)
		os.Exit(1)
	}
}

func newRootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:   "fedstore",
		Short: "S3-compatible object server with OpenID Connect federation",
		Long: `fedstore is an S3-compatible object server whose users never hand out static
access keys: they exchange a JWT from their OpenID Connect provider at fedstore's
STS endpoint (AssumeRoleWithWebIdentity) for short-lived S3 credentials.`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.AddCommand(newServerCmd(), newVersionCmd())
	addAdminCommands(root)
	root.AddCommand(newOIDCCmd(os.Getenv), newDevCmd())
	root.AddCommand(newPolicyCmd(os.Getenv))
	root.AddCommand(newSTSCmd(os.Getenv))
	root.AddCommand(newLoginCmd(os.Getenv), newCredentialsCmd(os.Getenv))
	root.AddCommand(newClusterCmd(os.Getenv))
	return root
}
