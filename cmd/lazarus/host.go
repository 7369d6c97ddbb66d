package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/lazarus-ha/lazarus/cmd/lazarus/internal/cliff"
	"github.com/lazarus-ha/lazarus/openstack/instanceha/v1/hosts"
)

var hostShowColumns = []string{"created_at", "updated_at", "uuid", "name", "type", "control_attributes", "reserved",
	"on_maintenance", "failover_segment_id"}

func (a *app) hostCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "host", Short: "Hosts of a failover segment"}
	cmd.AddCommand(a.hostList(), a.hostShow(), a.hostCreate(), a.hostUpdate(), a.hostDelete())
	return cmd
}

func (a *app) hostList() *cobra.Command {
	cmd := &cobra.Command{Use: "list <segment_id>", Short: "List Hosts.", Args: exactArgs("<segment_id>")}
	lf := addListFlags(cmd, "hosts", "['type', 'name', 'created_at', 'updated_at']",
		"['failover_segment_id', 'type', 'on_maintenance', 'reserved']")
	of := a.addOutputFlags(cmd, true)
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		if _, err := a.options(of); err != nil {
			return err
		}
		c, err := a.client(cmd.Context())
		if err != nil {
			return err
		}
		seg, err := c.uuidByName(cmd.Context(), args[0], "")
		if err != nil {
			return err
		}
		q, err := lf.query()
		if err != nil {
			return err
		}
		opts, err := hostDef.opts(q)
		if err != nil {
			return err
		}
		items, err := c.list(cmd.Context(), hosts.List(c.client, seg, opts), hostDef.resourcesKey)
		if err != nil {
			return err
		}
		cols := []string{"uuid", "name", "type", "control_attributes", "reserved", "on_maintenance", "failover_segment_id"}
		rows := make([][]any, len(items))
		for i, it := range items {
			for _, col := range cols {
				rows[i] = append(rows[i], attr(it, col))
			}
		}
		return a.emitList(of, cols, rows)
	}
	return cmd
}

// showHost is masakariclient's _show_host.
func (a *app) showHost(cmd *cobra.Command, c *api, of *outputFlags, segment, uuid string) error {
	h, err := c.fetch(hosts.Get(cmd.Context(), c.client, segment, uuid).Result, hostDef, uuid)
	if isNotFound(err) {
		return cmdErrorf("Segment host is not found: %s", uuid)
	}
	if err != nil {
		return err
	}
	row := make([]any, len(hostShowColumns))
	for i, col := range hostShowColumns {
		row[i] = attr(h, col)
	}
	return a.emitOne(of, hostShowColumns, row)
}

// hostClient is how every per-host command starts: a client, and the
// segment and host resolved by name or id as the Python client does.
func (a *app) hostClient(cmd *cobra.Command, segArg, hostArg string) (*api, string, string, error) {
	c, err := a.client(cmd.Context())
	if err != nil {
		return nil, "", "", err
	}
	seg, host, err := a.resolveHost(cmd, c, segArg, hostArg)
	return c, seg, host, err
}

func (a *app) resolveHost(cmd *cobra.Command, c *api, segArg, hostArg string) (string, string, error) {
	seg, err := c.uuidByName(cmd.Context(), segArg, "")
	if err != nil {
		return "", "", err
	}
	host, err := c.uuidByName(cmd.Context(), hostArg, seg)
	return seg, host, err
}

func (a *app) hostShow() *cobra.Command {
	cmd := &cobra.Command{Use: "show <segment_id> <host>", Short: "Show host details.", Args: exactArgs("<segment_id>", "<host>")}
	of := a.addOutputFlags(cmd, false)
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		if _, err := a.options(of); err != nil {
			return err
		}
		c, seg, host, err := a.hostClient(cmd, args[0], args[1])
		if err != nil {
			return err
		}
		return a.showHost(cmd, c, of, seg, host)
	}
	return cmd
}

// hostBody holds what openstacksdk sends for a host: the attributes given,
// reserved and on_maintenance as the strings "True"/"False" (masakariclient
// passes them on unparsed).
func hostBody(cmd *cobra.Command, vals map[string]*string, order []string) body {
	m := cliff.NewMap()
	for _, k := range order {
		v := vals[k]
		if v == nil {
			continue
		}
		if f := cmd.Flags().Lookup(k); f != nil && !f.Changed {
			continue
		}
		m.Set(k, *v)
	}
	return body{"host", m}
}

var hostAttrOrder = []string{"name", "type", "control_attributes", "reserved", "on_maintenance"}

func (a *app) hostCreate() *cobra.Command {
	cmd := &cobra.Command{Use: "create <name> <type> <control_attributes> <segment_id>", Short: "Create a Host.",
		Args: exactArgs("<name>", "<type>", "<control_attributes>", "<segment_id>")}
	var reserved, maint string
	cmd.Flags().StringVar(&reserved, "reserved", "", "Host reservation. The supported options are: True, False.")
	cmd.Flags().StringVar(&maint, "on_maintenance", "", "Maintenance status of host. The supported options are: True, False.")
	of := a.addOutputFlags(cmd, false)
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		if err := checkBoolChoices(cmd, reserved, maint); err != nil {
			return err
		}
		if _, err := a.options(of); err != nil {
			return err
		}
		c, err := a.client(cmd.Context())
		if err != nil {
			return err
		}
		seg, err := c.uuidByName(cmd.Context(), args[3], "")
		if err != nil {
			return err
		}
		body := hostBody(cmd, map[string]*string{"name": &args[0], "type": &args[1], "control_attributes": &args[2],
			"reserved": &reserved, "on_maintenance": &maint}, hostAttrOrder)
		h, err := c.decode(hosts.Create(cmd.Context(), c.client, seg, body).Result, "host")
		if err != nil {
			return err
		}
		return a.showHost(cmd, c, of, seg, cliff.Str(attr(h, "uuid")))
	}
	return cmd
}

func checkBoolChoices(cmd *cobra.Command, reserved, maint string) error {
	if cmd.Flags().Changed("reserved") {
		if err := checkChoice("--reserved", reserved, "True", "False"); err != nil {
			return err
		}
	}
	if cmd.Flags().Changed("on_maintenance") {
		if err := checkChoice("--on_maintenance", maint, "True", "False"); err != nil {
			return err
		}
	}
	return nil
}

func (a *app) hostUpdate() *cobra.Command {
	cmd := &cobra.Command{Use: "update <segment_id> <host>", Short: "Update a Host.", Args: exactArgs("<segment_id>", "<host>")}
	var reserved, maint, name, typ, ctrl string
	f := cmd.Flags()
	f.StringVar(&reserved, "reserved", "", "Host reservation. The supported options are: True, False.")
	f.StringVar(&maint, "on_maintenance", "", "Maintenance status of host. The supported options are: True, False.")
	f.StringVar(&name, "name", "", "Name of host.")
	f.StringVar(&typ, "type", "", "Type of host.")
	f.StringVar(&ctrl, "control_attributes", "", "Attributes about control.")
	of := a.addOutputFlags(cmd, false)
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		if err := checkBoolChoices(cmd, reserved, maint); err != nil {
			return err
		}
		if _, err := a.options(of); err != nil {
			return err
		}
		c, seg, host, err := a.hostClient(cmd, args[0], args[1])
		if err != nil {
			return err
		}
		body := hostBody(cmd, map[string]*string{"name": &name, "type": &typ, "control_attributes": &ctrl,
			"reserved": &reserved, "on_maintenance": &maint}, hostAttrOrder)
		if len(body.m.Keys) > 0 {
			_, err = c.decode(hosts.Update(cmd.Context(), c.client, seg, host, body).Result, "host")
			if isNotFound(err) {
				return cmdErrorf("No Host found for %s", host)
			}
			if err != nil {
				return err
			}
		}
		return a.showHost(cmd, c, of, seg, host)
	}
	return cmd
}

func (a *app) hostDelete() *cobra.Command {
	cmd := &cobra.Command{Use: "delete <segment_id> <host>", Short: "Delete a host.", Args: exactArgs("<segment_id>", "<host>")}
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		c, seg, host, err := a.hostClient(cmd, args[0], args[1])
		if err != nil {
			return err
		}
		if err := c.translate(hosts.Delete(cmd.Context(), c.client, seg, host).Err); err != nil {
			return err
		}
		fmt.Fprintf(a.io.out, "Host deleted: %s\n", args[1])
		return nil
	}
	return cmd
}
