#!/usr/bin/env bash
# Object PUT and GET of a 1 GiB object through the REST API, side by side with dd on the same
# disk in the same run. Target (issue 2): >= 70 % of dd throughput.
#   PUT baseline: dd if=<source> of=<file on the data disk> bs=1M conv=fsync (the object store
#                 fsyncs before acknowledging, so the baseline does too)
#   GET baseline: dd if=<a file on the data disk> of=/dev/null bs=1M, page cache dropped before it
#                 and before each GET (as root; otherwise both read warm and the script says so)
#   bench/object_throughput.sh [runs=3] [size_mib=1024]
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
runs=${1:-3}; mib=${2:-1024}
start_daemon
trap 'stop_daemon; rm -f "$src" "$BENCH_HOME.dd"' EXIT
login
src=$(mktemp /tmp/oa-bench-src-XXXXXX)
head -c "$((mib * 1024 * 1024))" /dev/urandom >"$src"
curl -sS -f -X PUT -H "X-Auth-Token: $BENCH_TOKEN" -H 'Content-Type: application/json' -d '{}' \
  "$BENCH_URL/v1/$BENCH_PROJECT/buckets/bench" >/dev/null

secs_of() { local t0 t1; t0=$(date +%s.%N); "$@"; t1=$(date +%s.%N); awk -v a="$t0" -v b="$t1" 'BEGIN {print b-a}'; }
cold=yes
drop_cache() { sync; echo 3 >/proc/sys/vm/drop_caches 2>/dev/null || cold=no; }
mbps() { awk -v b="$1" -v s="$2" 'BEGIN {printf "%.1f", b/1048576/s}'; }
put_r=(); get_r=(); ddw_r=(); ddr_r=(); put_x=(); get_x=()
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.3f", a/b}'; }
bytes=$((mib * 1024 * 1024))
for i in $(seq 1 "$runs"); do
  t=$(curl -sS -f -o /dev/null -w '%{time_total}' -X PUT -H "X-Auth-Token: $BENCH_TOKEN" \
      -H 'Expect:' -T "$src" "$BENCH_URL/v1/$BENCH_PROJECT/buckets/bench/objects/big-$i")
  put_r+=("$(mbps "$bytes" "$t")")
  t=$(secs_of dd if="$src" of="$BENCH_HOME/dd-out" bs=1M conv=fsync status=none)
  ddw_r+=("$(mbps "$bytes" "$t")")
  drop_cache
  t=$(curl -sS -f -o /dev/null -w '%{time_total}' -H "X-Auth-Token: $BENCH_TOKEN" \
      "$BENCH_URL/v1/$BENCH_PROJECT/buckets/bench/objects/big-$i")
  get_r+=("$(mbps "$bytes" "$t")")
  drop_cache
  t=$(secs_of dd if="$BENCH_HOME/dd-out" of=/dev/null bs=1M status=none)
  ddr_r+=("$(mbps "$bytes" "$t")")
  put_x+=("$(ratio "${put_r[-1]}" "${ddw_r[-1]}")"); get_x+=("$(ratio "${get_r[-1]}" "${ddr_r[-1]}")")
  rm -f "$BENCH_HOME/dd-out"
  curl -sS -f -o /dev/null -X DELETE -H "X-Auth-Token: $BENCH_TOKEN" \
    "$BENCH_URL/v1/$BENCH_PROJECT/buckets/bench/objects/big-$i"
done
put=$(printf '%s\n' "${put_r[@]}" | median); ddw=$(printf '%s\n' "${ddw_r[@]}" | median)
get=$(printf '%s\n' "${get_r[@]}" | median); ddr=$(printf '%s\n' "${ddr_r[@]}" | median)
echo "runs=$runs size=${mib}MiB disk=$(df --output=source "$BENCH_HOME" | tail -1) cold_cache_reads=$cold"
printf '%-28s %10s %10s %16s\n' "operation (medians)" "MiB/s" "dd MiB/s" "ratio (per run)"
printf '%-28s %10s %10s %16s\n' "PUT (fsync before ack)" "$put" "$ddw" "$(printf '%s\n' "${put_x[@]}" | median)"
printf '%-28s %10s %10s %16s\n' "GET" "$get" "$ddr" "$(printf '%s\n' "${get_x[@]}" | median)"
echo "per-run PUT ratios: ${put_x[*]}; GET ratios: ${get_x[*]}"
