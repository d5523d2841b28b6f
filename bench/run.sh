#!/usr/bin/env bash
# The benchmark in one command (see bench/README.md): generate if needed, serve, measure, report.
set -euo pipefail
cd "$(dirname "$0")/.."
exec python -m bench.run "$@"
