#!/usr/bin/env bash
# Builds the demo data on DuckDB, PostgreSQL and Spark and compares every mart
# cell across the engines; see scripts/compare_engines.py. The last line is
# `engines: N cells compared, M differ`.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
cd "$RETENTION_ROOT"
exec python "$RETENTION_ROOT/scripts/compare_engines.py" "$@"
