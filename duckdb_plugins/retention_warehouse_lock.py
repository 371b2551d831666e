"""dbt-duckdb plugin: one clear line, instead of a long traceback, when the
warehouse file is held by another process (an orchestrator retry while the
first run still runs, an open notebook, the duckdb CLI).

profiles.yml loads it (`plugins:` of the dev target; `module_paths:` finds this
folder). Just before dbt-duckdb opens the warehouse file for writing, the plugin
opens it itself and closes it again. If DuckDB refuses with its "Could not set
lock on file" error, the plugin raises a dbt error of one line naming the file,
the PID holding it and what to do; dbt-duckdb reports it as a failed connection
("Encountered an error: Database Error") and dbt exits non-zero. Without the
plugin the same DuckDB error escapes as an unexpected exception type, and dbt
prints ~200 lines of traceback under it.

Anything else (no file yet, an in-memory or remote path, a profile with
`retries`, any other error) is left to dbt-duckdb's own connect, exactly as
without the plugin. The extra open costs ~15 ms per dbt invocation (dbt-duckdb
keeps its connection for the whole run); a process that takes the file in the
instant between the two opens still gets DuckDB's own error and traceback.
"""

from __future__ import annotations

import os
import re
from typing import Any, Dict

import duckdb
from dbt.adapters.duckdb.plugins import BasePlugin
from dbt_common.exceptions import DbtRuntimeError

# DuckDB: 'IO Error: Could not set lock on file "<path>": Conflicting lock is
# held in <program> (PID <n>). See also https://duckdb.org/docs/...'
LOCK_ERROR = re.compile(r"Could not set lock on file")
HOLDER = re.compile(r"Conflicting lock is held in (?P<program>.*?) \(PID (?P<pid>\d+)\)")


class WarehouseInUseError(DbtRuntimeError):
    """A DbtRuntimeError whose text is just the message (no "Runtime Error"
    header): dbt-duckdb wraps it as FailedToConnectError(str(error))."""

    def __str__(self) -> str:
        return str(self.msg)


def in_use_message(path: str, error: BaseException) -> str | None:
    """The one-line message for DuckDB's lock error, or None for any other error."""
    text = str(error)
    if not LOCK_ERROR.search(text):
        return None
    holder = HOLDER.search(text)
    who = f" (PID {holder['pid']}, {os.path.basename(holder['program'])})" if holder else ""
    return (
        f"The warehouse file {os.path.abspath(path)} is in use by another process{who}, "
        "e.g. an earlier dbt run still going: wait for it to finish, or stop it, then run again."
    )


def is_local_file(path: str | None) -> bool:
    if not path or path == ":memory:" or path.startswith(("md:", "motherduck:")) or "://" in path:
        return False
    return os.path.isfile(path)


class Plugin(BasePlugin):
    def update_connection_config(self, creds: Any, config: Dict[str, Any]) -> None:
        # Called by dbt-duckdb right before duckdb.connect(creds.path, read_only=False,
        # config=config). A profile with `retries` wants the lock error retried: leave it.
        if getattr(creds, "retries", None) or not is_local_file(creds.path):
            return
        try:
            probe = duckdb.connect(creds.path, read_only=False, config=dict(config))
        except Exception as error:
            message = in_use_message(creds.path, error)
            if message is not None:
                raise WarehouseInUseError(message) from None
            return  # dbt-duckdb's own connect meets and reports the same error
        probe.close()
