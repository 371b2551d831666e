#!/usr/bin/env bash
# The main job: set up, load the demo data, build every model and run every
# data and unit test on the embedded DuckDB (retention.duckdb, or the file
# named by RETENTION_DUCKDB_PATH), then generate the docs site.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"

echo "==> dbt build (seeds, models, data tests, unit tests)"
dbt build "$@"
echo "==> dbt docs generate"
dbt docs generate --quiet
echo "==> done: marts are in ${RETENTION_DUCKDB_PATH:-retention.duckdb}; docs in target/"
