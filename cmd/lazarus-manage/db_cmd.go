package main

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/spf13/cobra"

	"github.com/lazarus-ha/lazarus/cmd/internal/config"
	"github.com/lazarus-ha/lazarus/migrations"
)

func newDBCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "db", Short: "Database schema tools"}
	connect := func(cmd *cobra.Command) (*pgx.Conn, error) {
		path, _ := cmd.Flags().GetString("config")
		c, err := config.Load(path, "database.connection")
		if err != nil {
			return nil, err
		}
		ctx, cancel := context.WithTimeout(cmd.Context(), 30*time.Second)
		defer cancel()
		conn, err := pgx.Connect(ctx, c.Database.Connection)
		if err != nil {
			return nil, fmt.Errorf("connect to database: %w", err)
		}
		return conn, nil
	}
	cmd.AddCommand(&cobra.Command{
		Use:   "sync",
		Short: "Create or upgrade the schema to the latest version (idempotent; refuses a newer schema)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			conn, err := connect(cmd)
			if err != nil {
				return err
			}
			defer conn.Close(context.WithoutCancel(cmd.Context()))
			out := cmd.OutOrStdout()
			from, to, err := migrations.Migrate(cmd.Context(), conn, func(seq int32, name string) {
				fmt.Fprintf(out, "applying migration %d: %s\n", seq, name)
			})
			if err != nil {
				return err
			}
			if from == to {
				fmt.Fprintf(out, "schema already at version %d\n", to)
			} else {
				fmt.Fprintf(out, "schema upgraded from version %d to %d\n", from, to)
			}
			return nil
		},
	})
	cmd.AddCommand(&cobra.Command{
		Use:   "version",
		Short: "Print the database's schema version and the latest this binary knows",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			conn, err := connect(cmd)
			if err != nil {
				return err
			}
			defer conn.Close(context.WithoutCancel(cmd.Context()))
			current, latest, err := migrations.Status(cmd.Context(), conn)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "database: %d\nlatest: %d\n", current, latest)
			return nil
		},
	})
	return cmd
}
