#!/usr/bin/env bash
# Runs every whole-system benchmark. Build first (scripts/build).
set -euo pipefail
cd "$(dirname "$0")/.."
bench/http_get.sh "$@"
bench/object_throughput.sh
bench/training.sh
