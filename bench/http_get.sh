#!/usr/bin/env bash
# Authenticated GET of a small resource (GET /v1/{project}/workspaces/0 with X-Auth-Token) at 64
# connections with wrk, side by side with the unauthenticated /healthz baseline in the same run.
# Target (issue 2): >= 20,000 requests/s on 2 cores with p99 < 5 ms.
#   bench/http_get.sh [runs=3] [seconds=10]
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
runs=${1:-3}; secs=${2:-10}
start_daemon ${BENCH_SERVE_FLAGS:-}  # the default configuration (access log on)
trap stop_daemon EXIT
login

run_wrk() {  # url [header] → "rps p99_ms"
  local out
  if [ -n "${2:-}" ]; then
    out=$(wrk -t2 -c64 -d"${secs}s" --latency -H "$2" "$1")
  else
    out=$(wrk -t2 -c64 -d"${secs}s" --latency "$1")
  fi
  if grep -q 'Non-2xx' <<<"$out"; then echo "non-2xx answers: $out" >&2; exit 1; fi
  local rps p99
  rps=$(awk '/^Requests\/sec:/ {print $2}' <<<"$out")
  p99=$(awk '$1=="99%" {v=$2; if (v ~ /us$/) {sub(/us/,"",v); v/=1000} else if (v ~ /ms$/) {sub(/ms/,"",v)} else if (v ~ /s$/) {sub(/s/,"",v); v*=1000}; print v}' <<<"$out")
  echo "$rps $p99"
}

auth_rps=(); auth_p99=(); base_rps=(); base_p99=()
for i in $(seq 1 "$runs"); do
  read -r r p < <(run_wrk "$BENCH_URL/v1/$BENCH_PROJECT/workspaces/0" "X-Auth-Token: $BENCH_TOKEN")
  auth_rps+=("$r"); auth_p99+=("$p")
  read -r r p < <(run_wrk "$BENCH_URL/healthz")
  base_rps+=("$r"); base_p99+=("$p")
done
ar=$(printf '%s\n' "${auth_rps[@]}" | median); ap=$(printf '%s\n' "${auth_p99[@]}" | median)
br=$(printf '%s\n' "${base_rps[@]}" | median); bp=$(printf '%s\n' "${base_p99[@]}" | median)
echo "runs=$runs seconds=$secs connections=64 cores=$(nproc)"
printf '%-40s %12s %10s\n' "endpoint" "requests/s" "p99 ms"
printf '%-40s %12.0f %10.2f\n' "GET workspaces/0 (token, authorized)" "$ar" "$ap"
printf '%-40s %12.0f %10.2f\n' "GET /healthz (baseline, no auth)" "$br" "$bp"
awk -v a="$ar" -v b="$br" 'BEGIN {printf "authenticated / baseline throughput: %.2f\n", a/b}'
