package main

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/lazarus-ha/lazarus/cmd/lazarus/internal/cliff"
	"github.com/lazarus-ha/lazarus/openstack/instanceha/v1/vmoves"
)

// Exit statuses of `notification show --wait`.
const (
	waitFinished = 0
	waitIgnored  = 3
	waitFailed   = 4
	waitTimedOut = 5
)

// waitNotification follows a recovery: it prints each new progress message
// of each task and each change of an instance's move on stderr, until the
// notification reaches finished, failed or ignored; then it shows the
// notification on stdout in the chosen format and exits with a status that
// says how it ended.
func (a *app) waitNotification(cmd *cobra.Command, c *api, of *outputFlags, uuid string, interval, timeout time.Duration) error {
	ctx := cmd.Context()
	if timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, timeout)
		defer cancel()
	}
	// Progress needs 1.1; moves need 1.3. Poll at the higher of those and
	// the chosen version, on a copy of the client.
	poll := *c
	sc := *c.client
	poll.client = &sc
	if !a.atLeast("1.3") {
		sc.Microversion = "1.3"
	}
	pollCmd := *cmd
	pollCmd.SetContext(ctx)

	seenMsgs := map[string]bool{}
	moveState := map[string]string{}
	lastStatus := ""
	movesOK := true
	ticker := time.NewTicker(interval)
	defer ticker.Stop()
	for {
		n, err := a.fetchNotification(&pollCmd, &poll, uuid)
		if err != nil {
			if ctx.Err() != nil && cmd.Context().Err() == nil {
				fmt.Fprintf(a.io.err, "Timed out after %s waiting for notification %s\n", timeout, uuid)
				return &exitError{code: waitTimedOut}
			}
			return err
		}
		status := cliff.Str(attr(n, "status"))
		if status != lastStatus {
			fmt.Fprintf(a.io.err, "%s notification %s: %s\n", time.Now().UTC().Format("15:04:05"), uuid, status)
			lastStatus = status
		}
		if details, ok := attr(n, "recovery_workflow_details").([]any); ok {
			for _, d := range details {
				dm, _ := d.(*cliff.Map)
				task := cliff.Str(attr(dm, "name"))
				pd, _ := attr(dm, "progress_details").([]any)
				for _, p := range pd {
					pm, _ := p.(*cliff.Map)
					key := task + "\x00" + cliff.Str(attr(pm, "timestamp")) + "\x00" + cliff.Str(attr(pm, "message"))
					if seenMsgs[key] {
						continue
					}
					seenMsgs[key] = true
					fmt.Fprintf(a.io.err, "  [%s] %s: %s (%s)\n", cliff.Str(attr(pm, "timestamp")), task,
						cliff.Str(attr(pm, "message")), cliff.Str(attr(pm, "progress")))
				}
			}
		}
		if movesOK && cliff.Str(attr(n, "type")) == "COMPUTE_HOST" {
			moves, err := poll.list(ctx, vmoves.List(poll.client, uuid, nil), vmoveDef.resourcesKey)
			if err != nil {
				// An API without 1.3 has no moves to show; keep following the rest.
				movesOK = false
			}
			for _, m := range moves {
				id := cliff.Str(attr(m, "uuid"))
				dest := "?"
				if d := attr(m, "dest_host"); d != nil {
					dest = cliff.Str(d)
				}
				line := fmt.Sprintf("%s -> %s %s", cliff.Str(attr(m, "source_host")), dest, cliff.Str(attr(m, "status")))
				if msg := msgOrEmpty(attr(m, "message")); msg != "" {
					line += ": " + msg
				}
				if moveState[id] == line {
					continue
				}
				moveState[id] = line
				fmt.Fprintf(a.io.err, "  instance %s (%s): %s\n", cliff.Str(attr(m, "instance_name")), cliff.Str(attr(m, "instance_uuid")), line)
			}
		}
		switch status {
		case "finished", "failed", "ignored":
			if err := a.emitNotification(of, n); err != nil {
				return err
			}
			switch status {
			case "finished":
				return nil
			case "ignored":
				return &exitError{code: waitIgnored}
			}
			return &exitError{code: waitFailed}
		}
		select {
		case <-ctx.Done():
			if cmd.Context().Err() != nil {
				return cmd.Context().Err()
			}
			fmt.Fprintf(a.io.err, "Timed out after %s waiting for notification %s\n", timeout, uuid)
			return &exitError{code: waitTimedOut}
		case <-ticker.C:
		}
	}
}

func msgOrEmpty(v any) string {
	if v == nil {
		return ""
	}
	return cliff.Str(v)
}
