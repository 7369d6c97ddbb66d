package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/lazarus-ha/lazarus/fencing"
	"github.com/lazarus-ha/lazarus/fencing/agent"
	"github.com/lazarus-ha/lazarus/fencing/ipmi"
	"github.com/lazarus-ha/lazarus/fencing/secret"
)

// fenceFlags are the options of `lazarus-manage fence ...`. They need no
// database and no config file, so an operator can test a BMC before
// registering it.
type fenceFlags struct {
	driver          string
	address         string
	port            int
	username        string
	passwordFile    string
	cipherSuite     int
	privilege       string
	timeout         time.Duration
	retries         int
	pollInterval    time.Duration
	powerOffTimeout time.Duration
	agentName       string
	options         []string
	jsonOut         bool
}

func newFenceCmd() *cobra.Command {
	f := &fenceFlags{}
	cmd := &cobra.Command{
		Use:   "fence",
		Short: "Test a fence device: read, switch off or switch on a host's power (no database or config needed)",
		Long: `Talk to one fence device directly, print every reading with its time and the
time taken, and exit 0 only when the action was verified: "off" when power off
was read back, "on" when power on was read back, "status" when the power state
was read. The password is read from --password-file (- for stdin), never from
the command line.`,
		Example: `  lazarus-manage fence off --driver ipmi --address 10.0.0.5 --username admin --password-file /etc/lazarus/bmc.pw
  lazarus-manage fence status --driver agent --agent fence_ipmilan --option ip=10.0.0.5 --option lanplus=1 --option username=admin --password-file pw`,
	}
	pf := cmd.PersistentFlags()
	pf.StringVar(&f.driver, "driver", "ipmi", "fence driver: ipmi or agent")
	pf.StringVar(&f.address, "address", "", "BMC address (ipmi)")
	pf.IntVar(&f.port, "port", ipmi.DefaultPort, "BMC UDP port (ipmi)")
	pf.StringVar(&f.username, "username", "", "BMC user (ipmi)")
	pf.StringVar(&f.passwordFile, "password-file", "", "file holding the password (first line; - reads stdin)")
	pf.IntVar(&f.cipherSuite, "cipher-suite", ipmi.DefaultCipherSuite, "RMCP+ cipher suite id (ipmi)")
	pf.StringVar(&f.privilege, "privilege", "administrator", "session privilege: administrator, operator or user (ipmi)")
	pf.DurationVar(&f.timeout, "timeout", 0, "timeout of one IPMI exchange (ipmi, default 2s) or of one agent run (agent, default 60s)")
	pf.IntVar(&f.retries, "retries", 2, "extra attempts of an IPMI exchange that timed out (ipmi)")
	pf.DurationVar(&f.pollInterval, "poll-interval", ipmi.DefaultPollInterval, "interval between power reads while waiting")
	pf.DurationVar(&f.powerOffTimeout, "power-off-timeout", ipmi.DefaultPowerOffTimeout, "how long power may take to read back off (or on)")
	pf.StringVar(&f.agentName, "agent", "", "fence agent to run, e.g. fence_ipmilan (agent)")
	pf.StringArrayVar(&f.options, "option", nil, "agent option key=value, repeatable (agent)")
	pf.BoolVar(&f.jsonOut, "json", false, "print the result as JSON")

	for _, action := range []string{fencing.ActionStatus, fencing.ActionOff, fencing.ActionOn} {
		cmd.AddCommand(&cobra.Command{
			Use:   action,
			Short: "Power " + action + " through the device, verified by reading the power back",
			Args:  cobra.NoArgs,
			RunE: func(cmd *cobra.Command, _ []string) error {
				return f.run(cmd.Context(), cmd.OutOrStdout(), cmd.InOrStdin(), action)
			},
		})
	}
	cmd.AddCommand(newFenceGenkeyCmd())
	return cmd
}

// newFenceGenkeyCmd writes a new key for [fencing] secret_key_file.
func newFenceGenkeyCmd() *cobra.Command {
	var out string
	c := &cobra.Command{
		Use:   "genkey",
		Short: "Write a new random AES-256 key for [fencing] secret_key_file (base64, mode 0600); refuses to overwrite",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			key := secret.GenerateKey()
			if out == "" || out == "-" {
				_, err := cmd.OutOrStdout().Write(key)
				return err
			}
			f, err := os.OpenFile(out, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
			if err != nil {
				return fmt.Errorf("create key file: %w", err)
			}
			if _, err := f.Write(key); err != nil {
				_ = f.Close()
				return fmt.Errorf("write key file: %w", err)
			}
			return f.Close()
		},
	}
	c.Flags().StringVar(&out, "out", "", "file to create (default: stdout)")
	return c
}

// fenceOutput is what `fence` prints.
type fenceOutput struct {
	Device   string            `json:"device"`
	Action   string            `json:"action"`
	Verified bool              `json:"verified"`
	State    string            `json:"state"`
	Readings []fencing.Reading `json:"readings"`
	Duration string            `json:"duration"`
	Error    string            `json:"error,omitempty"`
}

func (f *fenceFlags) device(stdin io.Reader) (fencing.Device, error) {
	password, err := readPassword(f.passwordFile, stdin)
	if err != nil {
		return nil, err
	}
	switch f.driver {
	case "ipmi":
		if len(f.options) > 0 || f.agentName != "" {
			return nil, errors.New("--agent and --option belong to --driver agent")
		}
		if f.address == "" {
			return nil, errors.New("--address is required with --driver ipmi")
		}
		return ipmi.New(ipmi.Config{
			Address: f.address, Port: f.port, Username: f.username, Password: password,
			CipherSuite: f.cipherSuite, Privilege: f.privilege, Timeout: f.timeout, Retries: f.retries,
			PollInterval: f.pollInterval, PowerOffTimeout: f.powerOffTimeout,
		})
	case "agent":
		if f.agentName == "" {
			return nil, errors.New("--agent is required with --driver agent")
		}
		opts := map[string]string{}
		for _, o := range f.options {
			k, v, ok := strings.Cut(o, "=")
			if !ok || k == "" {
				return nil, fmt.Errorf("--option %q is not key=value", o)
			}
			opts[k] = v
		}
		return agent.New(agent.Config{Agent: f.agentName, Options: opts, Password: password, Timeout: f.timeout})
	default:
		return nil, fmt.Errorf("--driver %q is not ipmi or agent", f.driver)
	}
}

// readPassword reads the first line of path ("-" is stdin); no path means
// no password.
func readPassword(path string, stdin io.Reader) (string, error) {
	if path == "" {
		return "", nil
	}
	var data []byte
	var err error
	if path == "-" {
		data, err = io.ReadAll(io.LimitReader(stdin, 4096))
	} else {
		data, err = os.ReadFile(path)
	}
	if err != nil {
		return "", fmt.Errorf("read password file: %w", err)
	}
	line, _, _ := strings.Cut(string(data), "\n")
	return strings.TrimRight(line, "\r"), nil
}

func (f *fenceFlags) run(ctx context.Context, w io.Writer, stdin io.Reader, action string) error {
	if ctx == nil {
		ctx = context.Background()
	}
	d, err := f.device(stdin)
	if err != nil {
		return err
	}
	start := time.Now()
	out := fenceOutput{Device: d.Name(), Action: action, State: fencing.PowerUnknown.String()}
	var rs []fencing.Reading
	switch action {
	case fencing.ActionStatus:
		var s fencing.PowerState
		s, rs, err = d.PowerStatus(ctx)
		out.State = s.String()
		out.Verified = err == nil && s != fencing.PowerUnknown
	case fencing.ActionOff:
		rs, err = d.PowerOff(ctx)
		if err == nil && len(rs) > 0 && rs[len(rs)-1].State == fencing.PowerOff {
			out.Verified, out.State = true, fencing.PowerOff.String()
		}
	case fencing.ActionOn:
		rs, err = d.PowerOn(ctx)
		if err == nil {
			var more []fencing.Reading
			more, err = f.waitOn(ctx, d)
			rs = append(rs, more...)
			if err == nil {
				out.Verified, out.State = true, fencing.PowerOn.String()
			}
		}
	}
	out.Readings = rs
	out.Duration = time.Since(start).Round(time.Millisecond).String()
	if err != nil {
		out.Error = err.Error()
	}
	if f.jsonOut {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		if jerr := enc.Encode(out); jerr != nil {
			return jerr
		}
	} else {
		printFence(w, out)
	}
	if err != nil {
		return fmt.Errorf("%s not verified: %w", action, err)
	}
	if !out.Verified {
		return fmt.Errorf("%s not verified", action)
	}
	return nil
}

// waitOn polls the power until it reads on.
func (f *fenceFlags) waitOn(ctx context.Context, d fencing.Device) ([]fencing.Reading, error) {
	ctx, cancel := context.WithTimeout(ctx, f.powerOffTimeout)
	defer cancel()
	var all []fencing.Reading
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return all, fmt.Errorf("%w: power not read back on within %s", fencing.ErrTimeout, f.powerOffTimeout)
		case <-timer.C:
		}
		s, rs, err := d.PowerStatus(ctx)
		all = append(all, rs...)
		if err == nil && s == fencing.PowerOn {
			return all, nil
		}
		timer.Reset(f.pollInterval)
	}
}

func printFence(w io.Writer, out fenceOutput) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "TIME\tDEVICE\tACTION\tSTATE\tERROR")
	for _, r := range out.Readings {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", r.Time.UTC().Format("15:04:05.000"), r.Device, r.Action, r.State, r.Err)
	}
	_ = tw.Flush()
	verdict := "VERIFIED"
	if !out.Verified {
		verdict = "NOT VERIFIED"
	}
	fmt.Fprintf(w, "%s %s: power %s, %s in %s\n", out.Device, out.Action, out.State, verdict, out.Duration)
}
