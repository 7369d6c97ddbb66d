package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/lazarus-ha/lazarus/cmd/internal/config"
)

func newConfigCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "config", Short: "Configuration file tools"}
	cmd.AddCommand(&cobra.Command{
		Use:   "sample",
		Short: "Print the documented sample configuration (every option with its default)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return config.WriteSample(cmd.OutOrStdout())
		},
	})
	cmd.AddCommand(&cobra.Command{
		Use:   "check",
		Short: "Load --config and report the first problem, or print the effective configuration with secrets hidden",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			path, _ := cmd.Flags().GetString("config")
			c, err := config.Load(path)
			if err != nil {
				return err
			}
			fmt.Fprint(cmd.OutOrStdout(), c.Redacted())
			return nil
		},
	})
	return cmd
}
