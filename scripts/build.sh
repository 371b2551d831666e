#!/usr/bin/env bash
# The main job: set up, load the demo data, build every model and run every
# data and unit test on the embedded DuckDB (retention.duckdb, or the file
# named by RETENTION_DUCKDB_PATH), then generate the docs site and write the
# offline HTML report beside the warehouse (scripts/report.py).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
cd "$RETENTION_ROOT"

echo "==> dbt build (seeds, models, data tests, unit tests)"
dbt build "$@"
echo "==> dbt docs generate"
# Without the email hash key: the docs site shows compiled SQL, and the key's
# HMAC pads are in the compiled SQL of base_crm__customers (docs/metrics.md, section 8).
env -u RETENTION_EMAIL_HASH_KEY dbt docs generate --quiet
echo "==> report"
python scripts/report.py
echo "==> done: marts are in ${RETENTION_DUCKDB_PATH:-retention.duckdb}; docs in target/; the report's path is above"
