package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/lazarus-ha/lazarus/cmd/lazarus/internal/cliff"
)

type stdio struct {
	in  io.Reader
	out io.Writer
	err io.Writer
}

// supportedVersions are the microversions python-masakariclient 8.0.0
// knows, plus 1.3 (vmoves), which Lazarus serves.
var supportedVersions = []string{"1", "1.0", "1.1", "1.2", "1.3"}

// defaultHAAPIVersion is python-masakariclient 8.0.0's default.
const defaultHAAPIVersion = "1.2"

// app holds what every command shares: streams, environment, the global
// options and, once built, the API client.
type app struct {
	io     *stdio
	getenv func(string) string
	g      globalOpts
	api    *api
	// versionFlagSet is true when --os-ha-api-version was given.
	versionFlagSet bool
	// connect builds the API client; tests replace it.
	connect func(ctx context.Context, a *app) (*api, error)
}

func run(ctx context.Context, args []string, s *stdio, getenv func(string) string) int {
	a := &app{io: s, getenv: getenv, connect: connectAPI}
	root := a.rootCommand()
	root.SetArgs(args)
	root.SetIn(s.in)
	root.SetOut(s.out)
	root.SetErr(s.err)
	cmd, err := root.ExecuteContextC(ctx)
	if err == nil {
		return 0
	}
	var ee *exitError
	if errors.As(err, &ee) {
		return ee.code
	}
	var ue *usageError
	if errors.As(err, &ue) || isFlagError(err) {
		// argparse's shape: a usage line, then "<prog>: error: <message>".
		msg := err.Error()
		if ue != nil {
			msg = ue.msg
		} else if _, flag, ok := strings.Cut(msg, "unknown flag: "); ok {
			msg = "unrecognized arguments: " + flag
		}
		fmt.Fprintf(s.err, "usage: %s\n%s: error: %s\n", cmd.UseLine(), cmd.CommandPath(), msg)
		return 2
	}
	fmt.Fprintln(s.err, err)
	return 1
}

// isFlagError tells cobra's own argument errors (exit status 2, as argparse)
// from command failures.
func isFlagError(err error) bool {
	msg := err.Error()
	for _, p := range []string{"unknown flag", "unknown shorthand flag", "flag needs an argument", "invalid argument",
		"unknown command", "accepts ", "requires at least", "bad flag syntax", "if any flags in the group"} {
		if strings.Contains(msg, p) {
			return true
		}
	}
	return false
}

func (a *app) env(keys ...string) string {
	for _, k := range keys {
		if v := a.getenv(k); v != "" {
			return v
		}
	}
	return ""
}

func (a *app) rootCommand() *cobra.Command {
	root := &cobra.Command{
		Use:           "lazarus",
		Short:         "Command-line client for the Lazarus (Masakari-compatible) instance-ha API",
		SilenceErrors: true,
		SilenceUsage:  true,
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error {
			a.versionFlagSet = cmd.Flags().Changed("os-ha-api-version")
			return a.checkVersion()
		},
	}
	a.addGlobalFlags(root.PersistentFlags())
	root.AddCommand(a.segmentCommand(), a.notificationCommand(), a.fenceDeviceCommand(), a.completionCommand(root))
	root.CompletionOptions.DisableDefaultCmd = true
	return root
}

// checkVersion warns, as the openstack CLI does, about a microversion the
// client does not know, and normalises "1" to "1.0".
func (a *app) checkVersion() error {
	v := a.g.haAPIVersion
	known := false
	for _, s := range supportedVersions {
		if s == v {
			known = true
		}
	}
	if !known {
		fmt.Fprintf(a.io.err, "ha version %s is not in supported versions: %s\n", v, strings.Join(supportedVersions, ", "))
	}
	return nil
}

// microversion is the header value sent: keystoneauth normalises "1" to
// "1.0".
func (a *app) microversion() string {
	v := a.g.haAPIVersion
	if !strings.Contains(v, ".") {
		return v + ".0"
	}
	return v
}

// atLeast reports whether the chosen microversion is >= want, as
// masakariclient's APIVersion comparison does.
func (a *app) atLeast(want string) bool {
	maj, min, ok := parseVersion(a.microversion())
	wmaj, wmin, _ := parseVersion(want)
	if !ok {
		return false
	}
	return maj > wmaj || (maj == wmaj && min >= wmin)
}

func parseVersion(v string) (int, int, bool) {
	a, b, ok := strings.Cut(v, ".")
	if !ok {
		return 0, 0, false
	}
	if b == "latest" {
		b = strconv.Itoa(1 << 30)
	}
	maj, err1 := strconv.Atoi(a)
	min, err2 := strconv.Atoi(b)
	return maj, min, err1 == nil && err2 == nil
}

func (a *app) client(ctx context.Context) (*api, error) {
	if a.api != nil {
		return a.api, nil
	}
	c, err := a.connect(ctx, a)
	if err != nil {
		return nil, err
	}
	a.api = c
	return c, nil
}

// outputFlags are cliff's formatter options, bound per command.
type outputFlags struct {
	format      string
	columns     []string
	noIndent    bool
	maxWidth    int
	fitWidth    bool
	printEmpty  bool
	quote       string
	prefix      string
	variables   []string
	sortColumns []string
	sortAsc     bool
	sortDesc    bool
	list        bool
}

func (a *app) addOutputFlags(cmd *cobra.Command, list bool) *outputFlags {
	o := &outputFlags{list: list}
	f := cmd.Flags()
	choices := cliff.ShowFormats
	if list {
		choices = cliff.ListFormats
	}
	f.StringVarP(&o.format, "format", "f", "table", "the output format, defaults to table ("+strings.Join(choices, ", ")+")")
	f.StringArrayVarP(&o.columns, "column", "c", nil, "specify the column(s) to include, can be repeated to show multiple columns")
	f.BoolVar(&o.noIndent, "noindent", false, "whether to disable indenting the JSON")
	maxW, _ := strconv.Atoi(a.getenv("CLIFF_MAX_TERM_WIDTH"))
	f.IntVar(&o.maxWidth, "max-width", maxW, "Maximum display width, <1 to disable. You can also use the CLIFF_MAX_TERM_WIDTH environment variable, but the parameter takes precedence.")
	fit, _ := strconv.Atoi(a.getenv("CLIFF_FIT_WIDTH"))
	f.BoolVar(&o.fitWidth, "fit-width", fit != 0, "Fit the table to the display width. Implied if --max-width greater than 0. Set the environment variable CLIFF_FIT_WIDTH=1 to always enable")
	f.BoolVar(&o.printEmpty, "print-empty", false, "Print empty table if there is no data to show.")
	if list {
		f.StringVar(&o.quote, "quote", "nonnumeric", "when to include quotes, defaults to nonnumeric (all, minimal, none, nonnumeric)")
		f.StringArrayVar(&o.sortColumns, "sort-column", nil, "specify the column(s) to sort the data (columns specified first have a priority, non-existing columns are ignored), can be repeated")
		f.BoolVar(&o.sortAsc, "sort-ascending", false, "sort the column(s) in ascending order")
		f.BoolVar(&o.sortDesc, "sort-descending", false, "sort the column(s) in descending order")
		cmd.MarkFlagsMutuallyExclusive("sort-ascending", "sort-descending")
	} else {
		f.StringVar(&o.prefix, "prefix", "", "add a prefix to all variable names")
		f.StringArrayVar(&o.variables, "variable", nil, "")
		_ = f.MarkHidden("variable")
	}
	return o
}

func choiceError(arg, got string, choices []string) error {
	q := make([]string, len(choices))
	for i, c := range choices {
		q[i] = "'" + c + "'"
	}
	return &usageError{msg: fmt.Sprintf("argument %s: invalid choice: '%s' (choose from %s)", arg, got, strings.Join(q, ", "))}
}

func (a *app) options(o *outputFlags) (cliff.Options, error) {
	choices := cliff.ShowFormats
	if o.list {
		choices = cliff.ListFormats
	}
	ok := false
	for _, c := range choices {
		ok = ok || c == o.format
	}
	if !ok {
		return cliff.Options{}, choiceError("-f/--format", o.format, choices)
	}
	if o.list {
		switch o.quote {
		case "all", "minimal", "none", "nonnumeric":
		default:
			return cliff.Options{}, choiceError("--quote", o.quote, []string{"all", "minimal", "none", "nonnumeric"})
		}
	}
	opts := cliff.Options{Format: o.format, Columns: o.columns, NoIndent: o.noIndent, MaxWidth: o.maxWidth,
		FitWidth: o.fitWidth, PrintEmpty: o.printEmpty, Quote: o.quote, Prefix: o.prefix,
		SortColumns: o.sortColumns, Warn: a.io.err, TermWidth: func() int {
			if f, ok := a.io.out.(*os.File); ok {
				if w, _, err := term.GetSize(int(f.Fd())); err == nil {
					return w
				}
			}
			return 0
		}}
	if o.sortAsc {
		opts.SortDirection = "asc"
	}
	if o.sortDesc {
		opts.SortDirection = "desc"
	}
	return opts, nil
}

func (a *app) emitList(o *outputFlags, columns []string, rows [][]any) error {
	opts, err := a.options(o)
	if err != nil {
		return err
	}
	return cliff.EmitList(a.io.out, columns, rows, opts)
}

func (a *app) emitOne(o *outputFlags, columns []string, row []any) error {
	opts, err := a.options(o)
	if err != nil {
		return err
	}
	return cliff.EmitOne(a.io.out, columns, row, opts)
}

// listFlags are masakariclient's --limit, --marker, --sort and --filters.
type listFlags struct {
	limit   string
	marker  string
	sort    string
	filters []string
}

func addListFlags(cmd *cobra.Command, noun string, sortKeys, filterKeys string) *listFlags {
	l := &listFlags{}
	f := cmd.Flags()
	f.StringVar(&l.limit, "limit", "", "Limit the number of "+noun+" returned")
	f.StringVar(&l.marker, "marker", "", "Only return "+noun+" that appear after the given ID")
	f.StringVar(&l.sort, "sort", "", "Sorting option which is a string containing a list of keys separated by commas. Each key can be optionally appended by a sort direction (:asc or :desc). The valid sort keys are: "+sortKeys)
	f.StringArrayVar(&l.filters, "filters", nil, "Filter parameters to apply on returned "+noun+". This can be specified multiple times, or once with parameters separated by a semicolon. The valid filter keys are: "+filterKeys)
	return l
}

// query is masakariclient's format_sort_filter_params.
func (l *listFlags) query() (listQuery, error) {
	var q listQuery
	if l.limit != "" {
		q.set("limit", l.limit)
	}
	if l.marker != "" {
		q.set("marker", l.marker)
	}
	if l.sort != "" {
		var keys, dirs []string
		for _, sp := range strings.Split(l.sort, ",") {
			k, d, _ := strings.Cut(sp, ":")
			if d == "" {
				d = "desc"
			} else if d != "asc" && d != "desc" {
				return q, cmdErrorf("Unknown sort direction: %s", d)
			}
			keys = append(keys, k)
			dirs = append(dirs, d)
		}
		q.set("sort_key", keys...)
		q.set("sort_dir", dirs...)
	}
	if len(l.filters) > 0 {
		params := l.filters
		if len(params) == 1 {
			params = strings.Split(params[0], ";")
		}
		for _, p := range params {
			n, v, ok := strings.Cut(p, "=")
			if !ok {
				return q, cmdErrorf("Malformed parameter(%s). Use the key=value format.", p)
			}
			if old, exists := q.values[n]; exists && isFilterKey(q, n) {
				q.values[n] = append(old, v)
				continue
			}
			q.set(n, v)
		}
	}
	return q, nil
}

func isFilterKey(q listQuery, n string) bool {
	return n != "limit" && n != "marker" && n != "sort_key" && n != "sort_dir"
}

// exactArgs mimics argparse's complaint about missing positionals.
func exactArgs(names ...string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) < len(names) {
			missing := names[len(args):]
			return &usageError{msg: "the following arguments are required: " + strings.Join(missing, ", ")}
		}
		if len(args) > len(names) {
			return &usageError{msg: "unrecognized arguments: " + strings.Join(args[len(names):], " ")}
		}
		return nil
	}
}

func minArgs(names ...string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) < len(names) {
			return &usageError{msg: "the following arguments are required: " + strings.Join(names[len(args):], ", ")}
		}
		return nil
	}
}

// checkChoice validates an option with argparse choices.
func checkChoice(arg, got string, choices ...string) error {
	for _, c := range choices {
		if c == got {
			return nil
		}
	}
	return choiceError(arg, got, choices)
}
