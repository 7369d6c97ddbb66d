// Command lazarus-manage is the operator's tool: schema migrations, config
// checks and the sample file, and fence device tests.
package main

import (
	"os"

	"github.com/spf13/cobra"

	"github.com/lazarus-ha/lazarus/cmd/internal/config"
)

func main() { os.Exit(run(os.Args[1:])) }

func run(args []string) int {
	root := &cobra.Command{
		Use:           "lazarus-manage",
		Short:         "Manage a Lazarus installation",
		SilenceUsage:  true,
		SilenceErrors: false,
	}
	root.PersistentFlags().String("config", config.DefaultPath, "configuration file")
	root.AddCommand(newConfigCmd())
	root.AddCommand(newFenceCmd())
	root.AddCommand(newDBCmd())
	root.SetArgs(args)
	if err := root.Execute(); err != nil {
		return 1
	}
	return 0
}
