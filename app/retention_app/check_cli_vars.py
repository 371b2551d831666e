#!/usr/bin/env python3
"""Reads the --vars of a dbt command line as dbt will, and stops with the
project's one-line message where dbt itself would stop with a Python
traceback: YAML reads an unquoted 2024-02-30 as a date and fails inside dbt's
option parsing, before the project's own var checks can run.

    python -m retention_app.check_cli_vars [--vars YAML] [--target NAME] ...

Exits 0 when every --vars value is readable (the project checks the values
themselves when dbt compiles), 2 with a message naming the var otherwise.
Used by scripts/tasks.sh build."""

from __future__ import annotations

import datetime
import re
import sys

import yaml

DATE = re.compile(r"^\d{4}-\d{1,2}-\d{1,2}$")


class TextDatesLoader(yaml.SafeLoader):
    """YAML as dbt reads it, but with dates left as text."""


TextDatesLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def problem(text: str) -> str | None:
    """Why dbt cannot read `text` as --vars, in one line; None when it can."""
    from dbt.clients.yaml_helper import load_yaml_text

    try:
        value = load_yaml_text(text)
    except Exception as error:  # dbt's own loader: what dbt would meet
        try:
            plain = yaml.load(text, Loader=TextDatesLoader)
        except yaml.YAMLError as syntax:
            where = f" at line {syntax.problem_mark.line + 1}, column {syntax.problem_mark.column + 1}" if getattr(
                syntax, "problem_mark", None) else ""
            return f"--vars is not valid YAML{where}: write it as a mapping, e.g. '{{raw_schema: my_raw}}'"
        for name, item in (plain or {}).items() if isinstance(plain, dict) else []:
            if isinstance(item, str) and DATE.match(item):
                try:
                    datetime.date(*map(int, item.split("-")))
                except ValueError:
                    return (f"var {name} must be a date written YYYY-MM-DD, a day the calendar has; got '{item}'"
                            f" (YAML reads an unquoted date as a date: write a real day, e.g. '{{{name}: \"2024-02-29\"}}')")
        return f"--vars cannot be read ({str(error).splitlines()[0]})"
    if value is not None and not isinstance(value, dict):
        return f"--vars must be a YAML mapping such as '{{raw_schema: my_raw}}'; got {text!r}"
    return None


def main(argv: list[str]) -> int:
    texts = [argv[i + 1] for i, arg in enumerate(argv[:-1]) if arg == "--vars"]
    texts += [arg.split("=", 1)[1] for arg in argv if arg.startswith("--vars=")]
    for text in texts:
        message = problem(text)
        if message:
            print(f"Configuration error: {message}.", file=sys.stderr)
            return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
