"""Run python3-cliff's own formatters on JSON-described cases.

stdin: a JSON list of cases {"kind": "list"|"one", "format": "...",
       "columns": [...], "rows": [[...], ...] | "row": [...], "args": {...}}
stdout: a JSON list with exactly what cliff writes for each case.
"""
import argparse
import io
import json
import sys

from cliff import lister, show
from cliff.formatters import commaseparated, json_format, shell, table, value, yaml_format

FORMATTERS = {
    "table": table.TableFormatter, "json": json_format.JSONFormatter,
    "yaml": yaml_format.YAMLFormatter, "value": value.ValueFormatter,
    "csv": commaseparated.CSVLister, "shell": shell.ShellFormatter,
}


class App:
    stdout = None


class L(lister.Lister):
    def _load_formatter_plugins(self):
        return {}

    def take_action(self, parsed_args):
        pass


class S(show.ShowOne):
    def _load_formatter_plugins(self):
        return {}

    def take_action(self, parsed_args):
        pass


def emit(case):
    a = case["args"]
    args = argparse.Namespace(
        columns=a.get("columns", []),
        noindent=a.get("noindent", False),
        max_width=a.get("max_width", 0),
        fit_width=a.get("fit_width", False),
        print_empty=a.get("print_empty", False),
        quote_mode=a.get("quote", "nonnumeric"),
        prefix=a.get("prefix", ""),
        variables=[],
        sort_columns=a.get("sort_columns", []),
        sort_direction=a.get("sort_direction"),
        formatter=case["format"],
    )
    out = io.StringIO()
    app = App()
    app.stdout = out
    cmd = (L if case["kind"] == "list" else S)(app, None)
    cmd.formatter = FORMATTERS[case["format"]]()
    try:
        if case["kind"] == "list":
            cmd.produce_output(args, case["columns"], [tuple(r) for r in case["rows"]])
        else:
            cmd.produce_output(args, case["columns"], tuple(case["row"]))
    except Exception as e:  # noqa
        out.write("ERROR: %s\n" % e)
    return out.getvalue()


print(json.dumps([emit(c) for c in json.load(sys.stdin)]))
