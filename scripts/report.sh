#!/usr/bin/env bash
# Regenerates the offline HTML report from the marts alone (seconds, no dbt
# run); see scripts/report.py and docs/report.md. Arguments go to report.py,
# e.g. --warehouse PATH, --output PATH, --grain quarter.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
exec python "$RETENTION_ROOT/scripts/report.py" "$@"
