package main

import (
	"github.com/spf13/cobra"

	"github.com/lazarus-ha/lazarus/cmd/lazarus/internal/cliff"
	"github.com/lazarus-ha/lazarus/openstack/instanceha/v1/vmoves"
)

// VMove columns follow python-masakariclient master's `notification vmove`
// commands: the server's instance_uuid and instance_name are shown as
// server_id and server_name, as openstacksdk master names them.
var vmoveListColumns = []string{"uuid", "server_id", "server_name", "source_host", "dest_host", "start_time", "end_time", "type", "status"}

func vmoveValue(m *cliff.Map, col string) any {
	switch col {
	case "server_id":
		return attr(m, "instance_uuid")
	case "server_name":
		return attr(m, "instance_name")
	}
	return attr(m, col)
}

func (a *app) vmoveCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "vmove", Short: "Instance moves of a host recovery (microversion 1.3)"}
	cmd.AddCommand(a.vmoveList(), a.vmoveShow())
	return cmd
}

func (a *app) vmoveList() *cobra.Command {
	cmd := &cobra.Command{Use: "list <notification_id>", Short: "List vmoves.", Args: exactArgs("<notification_id>")}
	lf := addListFlags(cmd, "vmoves", "['type', 'status', 'start_time', 'created_at', 'updated_at']", "['type', 'status']")
	of := a.addOutputFlags(cmd, true)
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		if _, err := a.options(of); err != nil {
			return err
		}
		c, err := a.client(cmd.Context())
		if err != nil {
			return err
		}
		q, err := lf.query()
		if err != nil {
			return err
		}
		opts, err := vmoveDef.opts(q)
		if err != nil {
			return err
		}
		items, err := c.list(cmd.Context(), vmoves.List(c.client, args[0], opts), vmoveDef.resourcesKey)
		if err != nil {
			return err
		}
		rows := make([][]any, len(items))
		for i, it := range items {
			for _, col := range vmoveListColumns {
				rows[i] = append(rows[i], vmoveValue(it, col))
			}
		}
		return a.emitList(of, vmoveListColumns, rows)
	}
	return cmd
}

func (a *app) vmoveShow() *cobra.Command {
	cmd := &cobra.Command{Use: "show <notification_id> <vmove_id>", Short: "Show vmove details.",
		Args: exactArgs("<notification_id>", "<vmove_id>")}
	of := a.addOutputFlags(cmd, false)
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		if _, err := a.options(of); err != nil {
			return err
		}
		c, err := a.client(cmd.Context())
		if err != nil {
			return err
		}
		v, err := c.fetch(vmoves.Get(cmd.Context(), c.client, args[0], args[1]).Result, vmoveDef, args[1])
		if isNotFound(err) {
			return cmdErrorf("VMove is not found: %s", args[1])
		}
		if err != nil {
			return err
		}
		cols := append([]string{"created_at", "updated_at"}, vmoveListColumns...)
		row := make([]any, len(cols))
		for i, col := range cols {
			row[i] = vmoveValue(v, col)
		}
		return a.emitOne(of, cols, row)
	}
	return cmd
}
