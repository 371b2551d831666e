#!/usr/bin/env bash
# Benchmark of the project against hand-written DuckDB SQL; see scripts/benchmark.py.
# Usage: bash scripts/benchmark.sh [--scale 2500] [--order-intensity 4] [--record yes|no|auto]
set -euo pipefail
source "$(dirname "$0")/setup.sh"
exec python "$ROOT/scripts/benchmark.py" "$@"
