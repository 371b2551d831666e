"""Where the scripts that read the marts (report.py, export_for_bi.py) find the
warehouse when --warehouse is not given."""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WAREHOUSE_HELP = ("DuckDB file holding the marts (default: $RETENTION_DUCKDB_PATH, else retention.duckdb"
                  " in the project folder)")


def default_warehouse() -> Path:
    """$RETENTION_DUCKDB_PATH, else retention.duckdb; a relative path is taken from
    the project folder, where scripts/build.sh runs dbt."""
    return ROOT / (os.environ.get("RETENTION_DUCKDB_PATH") or "retention.duckdb")
