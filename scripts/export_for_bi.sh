#!/usr/bin/env bash
# Exports the marts as Parquet (and optionally a DuckDB file at an older
# storage version) for BI tools that read DuckDB 1.x; see
# scripts/export_for_bi.py and docs/report.md. Arguments go to export_for_bi.py,
# e.g. --output DIR, --duckdb-storage-version v1.0.0.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
exec python "$RETENTION_ROOT/scripts/export_for_bi.py" "$@"
