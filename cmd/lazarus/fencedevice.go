package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/lazarus-ha/lazarus/cmd/lazarus/internal/cliff"
	"github.com/lazarus-ha/lazarus/openstack/instanceha/v1/fencedevices"
)

// Fence devices are a Lazarus extension; their columns are whatever the API
// returns, in its order (the password is never among them).

func (a *app) fenceDeviceCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "fence-device", Short: "Fence devices of a host (Lazarus extension)"}
	cmd.AddCommand(a.fenceList(), a.fenceShow(), a.fenceCreate(), a.fenceUpdate(), a.fenceDelete(), a.fenceConfirm())
	return cmd
}

func (a *app) fenceList() *cobra.Command {
	cmd := &cobra.Command{Use: "list <segment_id> <host>", Short: "List the fence devices of a host.", Args: exactArgs("<segment_id>", "<host>")}
	of := a.addOutputFlags(cmd, true)
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		if _, err := a.options(of); err != nil {
			return err
		}
		c, seg, host, err := a.hostClient(cmd, args[0], args[1])
		if err != nil {
			return err
		}
		items, err := c.list(cmd.Context(), fencedevices.List(c.client, seg, host), fenceDeviceDef.resourcesKey)
		if err != nil {
			return err
		}
		cols := []string{"id", "level", "driver", "agent", "address", "port", "username", "password_set", "fence_ready", "last_error"}
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

func (a *app) emitFence(of *outputFlags, d *cliff.Map) error {
	row := make([]any, len(d.Keys))
	for i, k := range d.Keys {
		row[i] = d.Values[k]
	}
	return a.emitOne(of, d.Keys, row)
}

func (a *app) fenceShow() *cobra.Command {
	cmd := &cobra.Command{Use: "show <segment_id> <host> <device>", Short: "Show a fence device.", Args: exactArgs("<segment_id>", "<host>", "<device>")}
	of := a.addOutputFlags(cmd, false)
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		if _, err := a.options(of); err != nil {
			return err
		}
		c, seg, host, err := a.hostClient(cmd, args[0], args[1])
		if err != nil {
			return err
		}
		d, err := c.fetch(fencedevices.Get(cmd.Context(), c.client, seg, host, args[2]).Result, fenceDeviceDef, args[2])
		if isNotFound(err) {
			return cmdErrorf("Fence device is not found: %s", args[2])
		}
		if err != nil {
			return err
		}
		return a.emitFence(of, d)
	}
	return cmd
}

// fenceFlags are the fields of a fence device. The password is never taken
// on the command line: --password-file names a file ("-" is stdin).
type fenceFlags struct {
	level        int
	driver       string
	address      string
	port         int
	username     string
	passwordFile string
	agent        string
	options      []string
}

func addFenceFlags(cmd *cobra.Command) *fenceFlags {
	ff := &fenceFlags{}
	f := cmd.Flags()
	f.IntVar(&ff.level, "level", 1, "Fencing level; level 1 is tried first")
	f.StringVar(&ff.driver, "driver", "", "Driver: ipmi or agent")
	f.StringVar(&ff.address, "address", "", "BMC or device address")
	f.IntVar(&ff.port, "port", 0, "Port (IPMI: 623)")
	f.StringVar(&ff.username, "username", "", "User name on the device")
	f.StringVar(&ff.passwordFile, "password-file", "", "File holding the password (\"-\" reads stdin); never pass a password in argv")
	f.StringVar(&ff.agent, "agent", "", "Fence agent binary for driver agent, e.g. fence_ipmilan")
	f.StringArrayVar(&ff.options, "option", nil, "Driver option key=value (repeatable), e.g. cipher_suite=3")
	return ff
}

func (a *app) readPassword(path string) (string, error) {
	var r io.Reader
	if path == "-" {
		r = a.io.in
	} else {
		f, err := os.Open(path)
		if err != nil {
			return "", fmt.Errorf("open password file: %w", err)
		}
		defer f.Close()
		r = f
	}
	line, err := bufio.NewReader(r).ReadString('\n')
	if err != nil && err != io.EOF {
		return "", fmt.Errorf("read password: %w", err)
	}
	return strings.TrimRight(line, "\r\n"), nil
}

func (a *app) fenceBody(cmd *cobra.Command, ff *fenceFlags, all bool) (body, error) {
	m := cliff.NewMap()
	ch := func(name string) bool { return all || cmd.Flags().Changed(name) }
	if ch("level") {
		m.Set("level", jsonInt(ff.level))
	}
	if ch("driver") {
		m.Set("driver", ff.driver)
	}
	if ch("address") && (ff.address != "" || !all) {
		m.Set("address", ff.address)
	}
	if ch("port") && (ff.port != 0 || !all) {
		m.Set("port", jsonInt(ff.port))
	}
	if ch("username") && (ff.username != "" || !all) {
		m.Set("username", ff.username)
	}
	if cmd.Flags().Changed("password-file") {
		pw, err := a.readPassword(ff.passwordFile)
		if err != nil {
			return body{}, err
		}
		m.Set("password", pw)
	}
	if ch("agent") && (ff.agent != "" || !all) {
		m.Set("agent", ff.agent)
	}
	if len(ff.options) > 0 {
		opts := cliff.NewMap()
		for _, o := range ff.options {
			k, v, ok := strings.Cut(o, "=")
			if !ok {
				return body{}, cmdErrorf("Malformed option(%s). Use the key=value format.", o)
			}
			opts.Set(k, v)
		}
		m.Set("options", opts)
	}
	return body{"fence_device", m}, nil
}

func (a *app) fenceCreate() *cobra.Command {
	cmd := &cobra.Command{Use: "create <segment_id> <host>", Short: "Add a fence device to a host.", Args: exactArgs("<segment_id>", "<host>")}
	ff := addFenceFlags(cmd)
	of := a.addOutputFlags(cmd, false)
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		if err := checkChoice("--driver", ff.driver, "ipmi", "agent"); err != nil {
			return err
		}
		if _, err := a.options(of); err != nil {
			return err
		}
		body, err := a.fenceBody(cmd, ff, true)
		if err != nil {
			return err
		}
		c, seg, host, err := a.hostClient(cmd, args[0], args[1])
		if err != nil {
			return err
		}
		d, err := c.decode(fencedevices.Create(cmd.Context(), c.client, seg, host, body).Result, "fence_device")
		if err != nil {
			return err
		}
		return a.emitFence(of, d)
	}
	return cmd
}

func (a *app) fenceUpdate() *cobra.Command {
	cmd := &cobra.Command{Use: "update <segment_id> <host> <device>", Short: "Change a fence device.", Args: exactArgs("<segment_id>", "<host>", "<device>")}
	ff := addFenceFlags(cmd)
	of := a.addOutputFlags(cmd, false)
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		if cmd.Flags().Changed("driver") {
			if err := checkChoice("--driver", ff.driver, "ipmi", "agent"); err != nil {
				return err
			}
		}
		if _, err := a.options(of); err != nil {
			return err
		}
		body, err := a.fenceBody(cmd, ff, false)
		if err != nil {
			return err
		}
		c, seg, host, err := a.hostClient(cmd, args[0], args[1])
		if err != nil {
			return err
		}
		d, err := c.decode(fencedevices.Update(cmd.Context(), c.client, seg, host, args[2], body).Result, "fence_device")
		if isNotFound(err) {
			return cmdErrorf("No FenceDevice found for %s", args[2])
		}
		if err != nil {
			return err
		}
		return a.emitFence(of, d)
	}
	return cmd
}

func (a *app) fenceDelete() *cobra.Command {
	cmd := &cobra.Command{Use: "delete <segment_id> <host> <device>", Short: "Remove a fence device.", Args: exactArgs("<segment_id>", "<host>", "<device>")}
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		c, seg, host, err := a.hostClient(cmd, args[0], args[1])
		if err != nil {
			return err
		}
		if err := c.translate(fencedevices.Delete(cmd.Context(), c.client, seg, host, args[2]).Err); err != nil {
			return err
		}
		fmt.Fprintf(a.io.out, "Fence device deleted: %s\n", args[2])
		return nil
	}
	return cmd
}

func (a *app) fenceConfirm() *cobra.Command {
	cmd := &cobra.Command{Use: "confirm <segment_id> <host>", Short: "Confirm, as the operator, that a host is powered off.",
		Args: exactArgs("<segment_id>", "<host>")}
	var comment string
	cmd.Flags().StringVar(&comment, "comment", "", "Why you are sure the host is off (kept with the confirmation)")
	of := a.addOutputFlags(cmd, false)
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		if _, err := a.options(of); err != nil {
			return err
		}
		c, seg, host, err := a.hostClient(cmd, args[0], args[1])
		if err != nil {
			return err
		}
		m := cliff.NewMap()
		if comment != "" {
			m.Set("comment", comment)
		}
		conf, err := c.decode(fencedevices.Confirm(cmd.Context(), c.client, seg, host, body{"fence_confirm", m}).Result, "fence_confirmation")
		if err != nil {
			return err
		}
		return a.emitFence(of, conf)
	}
	return cmd
}

func jsonInt(i int) any { return json.Number(strconv.Itoa(i)) }
