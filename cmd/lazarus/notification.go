package main

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/lazarus-ha/lazarus/cmd/lazarus/internal/cliff"
	"github.com/lazarus-ha/lazarus/openstack/instanceha/v1/notifications"
)

func (a *app) notificationCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "notification", Short: "Failure notifications and their recoveries"}
	cmd.AddCommand(a.notificationList(), a.notificationShow(), a.notificationCreate(), a.vmoveCommand())
	return cmd
}

func (a *app) notificationList() *cobra.Command {
	cmd := &cobra.Command{Use: "list", Short: "List notifications.", Args: exactArgs()}
	lf := addListFlags(cmd, "notifications", "['type', 'created_at', 'updated_at']",
		"['source_host_uuid', 'type', 'status', generated-since]")
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
		opts, err := notificationDef.opts(q)
		if err != nil {
			return err
		}
		items, err := c.list(cmd.Context(), notifications.List(c.client, opts), notificationDef.resourcesKey)
		if err != nil {
			return err
		}
		cols := []string{"notification_uuid", "generated_time", "status", "type", "source_host_uuid", "payload"}
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

// sdkWorkflowDetails is what openstacksdk's Notification.to_dict() makes
// of recovery_workflow_details: each item becomes a resource whose dict has
// its declared attributes in declaration order, then the base Resource's
// id and location; unknown keys are dropped.
func sdkWorkflowDetails(v any) any {
	list, ok := v.([]any)
	if !ok {
		return v
	}
	out := make([]any, 0, len(list))
	for _, it := range list {
		m, _ := it.(*cliff.Map)
		d := cliff.NewMap()
		d.Set("progress", attr(m, "progress"))
		d.Set("name", attr(m, "name"))
		d.Set("state", attr(m, "state"))
		pd := attr(m, "progress_details")
		if pl, ok := pd.([]any); ok {
			items := make([]any, 0, len(pl))
			for _, p := range pl {
				pm, _ := p.(*cliff.Map)
				x := cliff.NewMap()
				x.Set("timestamp", attr(pm, "timestamp"))
				x.Set("message", attr(pm, "message"))
				x.Set("progress", attr(pm, "progress"))
				x.Set("id", attr(pm, "id"))
				x.Set("name", attr(pm, "name"))
				x.Set("location", nil)
				items = append(items, x)
			}
			pd = items
		}
		d.Set("progress_details", pd)
		d.Set("id", attr(m, "id"))
		d.Set("location", nil)
		out = append(out, d)
	}
	return out
}

func (a *app) notificationColumns() []string {
	cols := []string{"created_at", "updated_at", "notification_uuid", "type", "status", "source_host_uuid", "generated_time", "payload"}
	if a.atLeast("1.1") {
		cols = append(cols, "recovery_workflow_details")
	}
	return cols
}

func (a *app) fetchNotification(cmd *cobra.Command, c *api, uuid string) (*cliff.Map, error) {
	n, err := c.fetch(notifications.Get(cmd.Context(), c.client, uuid).Result, notificationDef, uuid)
	if isNotFound(err) {
		return nil, cmdErrorf("Notification not found: %s", uuid)
	}
	return n, err
}

// showNotification is masakariclient's _show_notification.
func (a *app) showNotification(cmd *cobra.Command, c *api, of *outputFlags, uuid string) error {
	n, err := a.fetchNotification(cmd, c, uuid)
	if err != nil {
		return err
	}
	return a.emitNotification(of, n)
}

func (a *app) emitNotification(of *outputFlags, n *cliff.Map) error {
	cols := a.notificationColumns()
	row := make([]any, len(cols))
	for i, col := range cols {
		if col == "recovery_workflow_details" {
			row[i] = sdkWorkflowDetails(attr(n, col))
			continue
		}
		row[i] = attr(n, col)
	}
	return a.emitOne(of, cols, row)
}

func (a *app) notificationShow() *cobra.Command {
	cmd := &cobra.Command{Use: "show <notification>", Short: "Show notification details.", Args: exactArgs("<notification>")}
	var wait bool
	var interval, timeout time.Duration
	cmd.Flags().BoolVar(&wait, "wait", false, "Follow the recovery live until it ends (Lazarus). Exit status: 0 finished, 3 ignored, 4 failed, 5 timed out")
	cmd.Flags().DurationVar(&interval, "wait-interval", 2*time.Second, "How often --wait polls the API")
	cmd.Flags().DurationVar(&timeout, "wait-timeout", 0, "Give up waiting after this long (0: never)")
	of := a.addOutputFlags(cmd, false)
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		if _, err := a.options(of); err != nil {
			return err
		}
		c, err := a.client(cmd.Context())
		if err != nil {
			return err
		}
		if !wait {
			return a.showNotification(cmd, c, of, args[0])
		}
		return a.waitNotification(cmd, c, of, args[0], interval, timeout)
	}
	return cmd
}

func (a *app) notificationCreate() *cobra.Command {
	cmd := &cobra.Command{Use: "create <type> <hostname> <generated_time> <payload>", Short: "Create notification.",
		Args: exactArgs("<type>", "<hostname>", "<generated_time>", "<payload>")}
	of := a.addOutputFlags(cmd, false)
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		if err := checkChoice("<type>", args[0], "COMPUTE_HOST", "VM", "PROCESS"); err != nil {
			return err
		}
		if _, err := a.options(of); err != nil {
			return err
		}
		payload, err := cliff.Decode([]byte(args[3]))
		if err != nil {
			return cmdErrorf("%s", pyJSONError(args[3], err))
		}
		c, err := a.client(cmd.Context())
		if err != nil {
			return err
		}
		// The payload goes as typed (any JSON value, keys in order), as
		// masakariclient passes json.loads' result on.
		m := cliff.NewMap()
		m.Set("type", args[0])
		m.Set("hostname", args[1])
		m.Set("generated_time", args[2])
		m.Set("payload", payload)
		n, err := c.decode(notifications.Create(cmd.Context(), c.client, body{"notification", m}).Result, "notification")
		if err != nil {
			return err
		}
		return a.showNotification(cmd, c, of, cliff.Str(attr(n, "notification_uuid")))
	}
	return cmd
}

// pyJSONError approximates the message of Python's json.loads for the
// common mistakes (empty or non-JSON payload).
func pyJSONError(s string, err error) string {
	if len(s) == 0 {
		return "Expecting value: line 1 column 1 (char 0)"
	}
	return fmt.Sprintf("Invalid JSON payload %q: %v", s, err)
}
