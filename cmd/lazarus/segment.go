package main

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/lazarus-ha/lazarus/cmd/lazarus/internal/cliff"
	"github.com/lazarus-ha/lazarus/openstack/instanceha/v1/segments"
)

var recoveryMethods = []string{"auto", "reserved_host", "auto_priority", "rh_priority"}

func (a *app) segmentCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "segment", Short: "Failover segments"}
	cmd.AddCommand(a.segmentList(), a.segmentShow(), a.segmentCreate(), a.segmentUpdate(), a.segmentDelete(), a.hostCommand())
	return cmd
}

// segmentListColumns are masakariclient's, with is_enabled from 1.2.
func (a *app) segmentListColumns() []string {
	cols := []string{"uuid", "name", "description", "service_type", "recovery_method"}
	if a.atLeast("1.2") {
		cols = append(cols, "is_enabled")
	}
	return cols
}

// segmentValue reads a Segment attribute as openstacksdk exposes it.
func segmentValue(m *cliff.Map, col string) any {
	if col == "is_enabled" {
		return pyBool(attr(m, "enabled"))
	}
	return attr(m, col)
}

func (a *app) segmentList() *cobra.Command {
	cmd := &cobra.Command{Use: "list", Short: "List segments.", Args: exactArgs()}
	lf := addListFlags(cmd, "segments", "['type', 'name', 'created_at', 'updated_at']", "['recovery_method', 'service_type']")
	of := a.addOutputFlags(cmd, true)
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
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
		opts, err := segmentDef.opts(q)
		if err != nil {
			return err
		}
		items, err := c.list(cmd.Context(), segments.List(c.client, opts), segmentDef.resourcesKey)
		if err != nil {
			return err
		}
		cols := a.segmentListColumns()
		rows := make([][]any, len(items))
		for i, it := range items {
			for _, col := range cols {
				rows[i] = append(rows[i], segmentValue(it, col))
			}
		}
		return a.emitList(of, cols, rows)
	}
	return cmd
}

// showSegment is masakariclient's _show_segment.
func (a *app) showSegment(cmd *cobra.Command, c *api, of *outputFlags, uuid string) error {
	seg, err := c.fetch(segments.Get(cmd.Context(), c.client, uuid).Result, segmentDef, uuid)
	if isNotFound(err) {
		return cmdErrorf("Segment is not found: %s", uuid)
	}
	if err != nil {
		return err
	}
	cols := []string{"created_at", "updated_at", "uuid", "name", "description", "id", "service_type", "recovery_method"}
	if a.atLeast("1.2") {
		cols = append(cols, "is_enabled")
	}
	row := make([]any, len(cols))
	for i, col := range cols {
		row[i] = segmentValue(seg, col)
	}
	return a.emitOne(of, cols, row)
}

func (a *app) segmentShow() *cobra.Command {
	cmd := &cobra.Command{Use: "show <segment>", Short: "Show segment details.", Args: exactArgs("<segment>")}
	of := a.addOutputFlags(cmd, false)
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		if _, err := a.options(of); err != nil {
			return err
		}
		c, err := a.client(cmd.Context())
		if err != nil {
			return err
		}
		uuid, err := c.uuidByName(cmd.Context(), args[0], "")
		if err != nil {
			return err
		}
		return a.showSegment(cmd, c, of, uuid)
	}
	return cmd
}

// strictBool is oslo's bool_from_string(strict=True).
func strictBool(s string) (bool, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "1", "t", "true", "on", "y", "yes":
		return true, nil
	case "0", "f", "false", "off", "n", "no":
		return false, nil
	}
	return false, cmdErrorf("Unrecognized value '%s', acceptable values are: '0', '1', 'f', 'false', 'n', 'no', 'off', 'on', 't', 'true', 'y', 'yes'", s)
}

// segmentBody is the PUT/POST body openstacksdk sends: only the attributes
// given, is_enabled as "enabled".
func (a *app) segmentBody(cmd *cobra.Command, name, recovery, serviceType, description, isEnabled *string) (body, error) {
	m := cliff.NewMap()
	set := func(k string, v *string, flag string) {
		if v != nil && (flag == "" || cmd.Flags().Changed(flag)) {
			m.Set(k, *v)
		}
	}
	set("name", name, nameFlag(cmd))
	set("description", description, "description")
	set("recovery_method", recovery, recoveryFlag(cmd))
	set("service_type", serviceType, serviceTypeFlag(cmd))
	if a.atLeast("1.2") && cmd.Flags().Changed("is_enabled") {
		b, err := strictBool(*isEnabled)
		if err != nil {
			return body{}, err
		}
		m.Set("enabled", b)
	}
	return body{"segment", m}, nil
}

// The create command takes these as positionals (always set); update takes
// them as options.
func nameFlag(cmd *cobra.Command) string {
	if cmd.Flags().Lookup("name") != nil {
		return "name"
	}
	return ""
}

func recoveryFlag(cmd *cobra.Command) string {
	if cmd.Flags().Lookup("recovery_method") != nil {
		return "recovery_method"
	}
	return ""
}

func serviceTypeFlag(cmd *cobra.Command) string {
	if cmd.Flags().Lookup("service_type") != nil {
		return "service_type"
	}
	return ""
}

func (a *app) segmentCreate() *cobra.Command {
	cmd := &cobra.Command{Use: "create <name> <recovery_method> <service_type>", Short: "Create segment.",
		Args: exactArgs("<name>", "<recovery_method>", "<service_type>")}
	var isEnabled, description string
	cmd.Flags().StringVar(&isEnabled, "is_enabled", "", "The enabled flag of this segment. Supported after microversion 1.2.")
	cmd.Flags().StringVar(&description, "description", "", "Description of segment.")
	of := a.addOutputFlags(cmd, false)
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		if err := checkChoice("<recovery_method>", args[1], recoveryMethods...); err != nil {
			return err
		}
		if _, err := a.options(of); err != nil {
			return err
		}
		c, err := a.client(cmd.Context())
		if err != nil {
			return err
		}
		body, err := a.segmentBody(cmd, &args[0], &args[1], &args[2], &description, &isEnabled)
		if err != nil {
			return err
		}
		seg, err := c.decode(segments.Create(cmd.Context(), c.client, body).Result, "segment")
		if err != nil {
			return err
		}
		return a.showSegment(cmd, c, of, cliff.Str(attr(seg, "uuid")))
	}
	return cmd
}

func (a *app) segmentUpdate() *cobra.Command {
	cmd := &cobra.Command{Use: "update <segment>", Short: "Update a segment.", Args: exactArgs("<segment>")}
	var name, recovery, serviceType, isEnabled, description string
	f := cmd.Flags()
	f.StringVar(&name, "name", "", "Name of segment.")
	f.StringVar(&recovery, "recovery_method", "", "Recovery method of segment. The supported options are: auto, reserved_host, auto_priority, rh_priority")
	f.StringVar(&serviceType, "service_type", "", "Service type of segment.")
	f.StringVar(&isEnabled, "is_enabled", "", "The enabled flag of this segment. Supported after microversion 1.2.")
	f.StringVar(&description, "description", "", "Description of segment.")
	of := a.addOutputFlags(cmd, false)
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		if cmd.Flags().Changed("recovery_method") {
			if err := checkChoice("--recovery_method", recovery, recoveryMethods...); err != nil {
				return err
			}
		}
		if _, err := a.options(of); err != nil {
			return err
		}
		c, err := a.client(cmd.Context())
		if err != nil {
			return err
		}
		uuid, err := c.uuidByName(cmd.Context(), args[0], "")
		if err != nil {
			return err
		}
		body, err := a.segmentBody(cmd, &name, &recovery, &serviceType, &description, &isEnabled)
		if err != nil {
			return err
		}
		if len(body.m.Keys) > 0 {
			// openstacksdk's commit sends nothing when nothing changed.
			_, err = c.decode(segments.Update(cmd.Context(), c.client, uuid, body).Result, "segment")
			if isNotFound(err) {
				return cmdErrorf("No Segment found for %s", uuid)
			}
			if err != nil {
				return err
			}
		}
		return a.showSegment(cmd, c, of, uuid)
	}
	return cmd
}

func (a *app) segmentDelete() *cobra.Command {
	cmd := &cobra.Command{Use: "delete <segment> [<segment> ...]", Short: "Delete a segment(s).", Args: minArgs("<segment>")}
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		c, err := a.client(cmd.Context())
		if err != nil {
			return err
		}
		for _, sid := range args {
			// masakariclient prints each failure on stdout and goes on.
			uuid, err := c.uuidByName(cmd.Context(), sid, "")
			if err == nil {
				err = c.translate(segments.Delete(cmd.Context(), c.client, uuid).Err)
			}
			if err != nil {
				fmt.Fprintln(a.io.out, err)
				continue
			}
			fmt.Fprintf(a.io.out, "Segment deleted: %s\n", sid)
		}
		return nil
	}
	return cmd
}
