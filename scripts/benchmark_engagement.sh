#!/usr/bin/env bash
# Benchmark of the engagement, email and NPS models at scale; see scripts/benchmark_engagement.py.
# Usage: bash scripts/benchmark_engagement.sh [--scale 2500] [--event-intensity 2.2] [--record yes|no|auto]
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
cd "$RETENTION_ROOT"
exec python "$RETENTION_ROOT/scripts/benchmark_engagement.py" "$@"
