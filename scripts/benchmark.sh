#!/usr/bin/env bash
# Benchmark of the project against hand-written DuckDB SQL; see scripts/benchmark.py.
# Usage: bash scripts/benchmark.sh [--scale 2500] [--order-intensity 4] [--record yes|no|auto]
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
cd "$RETENTION_ROOT"
exec python "$RETENTION_ROOT/scripts/benchmark.py" "$@"
