#!/usr/bin/env bash
# Training jobs through the REST API against a daemon started here on a temporary OPENARTS_HOME,
# side by side with a single-node Slurm 22.05 started here too (the baseline, same run, same
# machine). Client: bench/training_bench.py (python3 stdlib, keep-alive connections, ms timing).
#
#   1. submit -> Running of a one-task PyTorch-engine job (boot file sleeps 0.5 s, flavor
#      modelarts.vm.cpu.1u, one input object): client-observed (POST, then GET .../{id} as fast
#      as possible until the phase is Running) and server-side (status.start_time - create_time).
#      Sequential; each job is left to finish before the next. Target: p50 <= 100 ms, p99 <= 300 ms.
#      Slurm: sbatch -> RUNNING polled with `squeue -h -j ID -o %T`, and `srun -n1 true`.
#   2. throughput: N `pass` jobs from 4 concurrent submitters, first submit -> last Completed
#      (server end_time). Target >= 20 jobs/s on 2 cores. Slurm: N sbatch of `true`.
#   3. logs: a job prints its wall clock every 50 ms; GET .../tasks/worker-0/logs?follow=true
#      (SSE); arrival - printed per line. Target p99 <= 200 ms.
#   4. 1,000 queued jobs (OPENARTS_CPU_OVERCOMMIT=1, one modelarts.vm.cpu.2u job holds the 2-core
#      pool): POST training-job-searches limit 50, unfiltered and phase=Pending. Target < 50 ms.
#
#   bench/training.sh [latency_samples=100] [throughput_jobs=200] [log_lines=240] [queued=1000]
#                     [slurm_latency_samples=50]
# BENCH_NO_SLURM=1 skips the baseline. BENCH_POLL_PAUSE_MS=10 pauses between the GETs of (1):
# back-to-back polling keeps a client and a daemon thread busy, which on 2 cores delays the job's
# own start (the server-side figure shows it). Slurm needs root (slurmd); the script installs
# slurm-wlm with apt-get only when it is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
lat_n=${1:-100}; tp_n=${2:-200}; log_n=${3:-240}; queue_n=${4:-1000}; slurm_lat_n=${5:-50}
SUBMITTERS=4
CLIENT="python3 bench/training_bench.py"
RES=$(mktemp -d /tmp/oa-bench-training-XXXXXX)
SL=""             # Slurm temp dir when started
SLURM_WHY=""      # why there is no Slurm baseline, when there is none

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
stop_slurm() {
  [ -n "$SL" ] || return 0
  local f pid
  for f in slurmd slurmctld munged; do
    pid=$(cat "$SL/$f.pid" 2>/dev/null || true)
    [ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  done
  rm -rf "$SL"; SL=""
}
start_slurm() {  # → 0, or 1 with SLURM_WHY set
  if [ "$(id -u)" != 0 ]; then SLURM_WHY="not root: slurmd must run as root to launch jobs"; return 1; fi
  if ! command -v slurmctld >/dev/null || ! command -v slurmd >/dev/null || ! command -v munged >/dev/null; then
    echo "installing slurm-wlm (missing) ..." >&2
    if ! DEBIAN_FRONTEND=noninteractive apt-get install -y slurm-wlm >"$RES/apt.log" 2>&1; then
      SLURM_WHY="apt-get install -y slurm-wlm failed: $(tail -n 1 "$RES/apt.log")"; return 1
    fi
  fi
  SL=$(mktemp -d /tmp/oa-bench-slurm-XXXXXX)
  chmod 711 "$SL"  # munge wants its socket directory traversable
  mkdir -p "$SL/state" "$SL/spool"
  head -c 1024 /dev/urandom >"$SL/munge.key"; chmod 400 "$SL/munge.key"
  if ! munged -f --key-file="$SL/munge.key" --socket="$SL/munge.sock" --pid-file="$SL/munged.pid" \
      --log-file="$SL/munged.log" --seed-file="$SL/munged.seed" 2>"$SL/munged.err"; then
    SLURM_WHY="munged did not start: $(cat "$SL/munged.err" "$SL/munged.log" 2>/dev/null | tail -n 2)"; return 1
  fi
  local mem ctl_port d_port
  mem=$(awk '/MemTotal/ {print int($2 / 1024 * 0.9)}' /proc/meminfo)
  ctl_port=$(free_port); d_port=$(free_port)
  cat >"$SL/slurm.conf" <<EOF
ClusterName=oabench
SlurmctldHost=localhost
SlurmctldPort=$ctl_port
SlurmdPort=$d_port
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$SL/munge.sock
SlurmUser=root
SlurmdUser=root
StateSaveLocation=$SL/state
SlurmdSpoolDir=$SL/spool
SlurmctldPidFile=$SL/slurmctld.pid
SlurmdPidFile=$SL/slurmd.pid
SlurmctldLogFile=$SL/slurmctld.log
SlurmdLogFile=$SL/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerParameters=batch_sched_delay=0
JobCompType=jobcomp/none
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
MpiDefault=none
ReturnToService=2
NodeName=localhost CPUs=$(nproc) RealMemory=$mem State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
EOF
  export SLURM_CONF="$SL/slurm.conf"
  slurmctld -D -i >"$SL/slurmctld.out" 2>&1 &
  echo $! >"$SL/slurmctld.pid"
  slurmd -D >"$SL/slurmd.out" 2>&1 &
  echo $! >"$SL/slurmd.pid"
  local state=""
  for _ in $(seq 1 300); do
    state=$(sinfo -h -n localhost -o %t 2>/dev/null || true)
    [ "$state" = idle ] && return 0
    sleep 0.1
  done
  SLURM_WHY="the node is not idle after 30 s (sinfo state '${state}'): $(tail -n 2 "$SL/slurmctld.log" "$SL/slurmd.log" 2>/dev/null | tr '\n' ' ')"
  return 1
}

cleanup() {
  if [ -n "${BENCH_PID:-}" ] && kill -0 "$BENCH_PID" 2>/dev/null; then stop_daemon; fi
  stop_slurm
  if [ -n "${BENCH_HOME:-}" ]; then rm -rf "$BENCH_HOME"; fi
  rm -rf "$RES"
}
trap cleanup EXIT

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }   # utime + stime of a process
load_now() { cut -d' ' -f1-3 /proc/loadavg; }
others() {  # the busiest processes that are not ours (the machine is shared)
  ps -eo pcpu=,comm= --sort=-pcpu | awk '$1 >= 10 {printf "%s%s %s%%", (n++ ? ", " : ""), $2, $1}'
}

# The build tree is shared and may be relinked while this runs: use a private copy of the daemon
# and its task shim (found beside it).
mkdir -p "$RES/bin"
cp "$BIN" "$RES/bin/openarts"
cp "$(readlink -f "$(dirname "$BIN")/openarts-task-shim")" "$RES/bin/openarts-task-shim"
BUILD_INFO="$(git rev-parse --short HEAD 2>/dev/null || echo '?') $(git status --porcelain -- src 2>/dev/null | grep -q . && echo '+uncommitted src changes' || echo clean), binary $(date -r "$BIN" -u +%FT%TZ)"
BIN="$RES/bin/openarts"

# ---- OpenArts, default settings ---------------------------------------------------------------
echo "== OpenArts (default daemon: CPU overcommit 4, sandbox auto) ==" >&2
echo "load before: $(load_now); busy processes: $(others)" >&2
start_daemon
login
export BENCH_URL BENCH_TOKEN BENCH_PROJECT
caps=$(sed -n 's/.* info execution: //p' "$BENCH_HOME/log" | head -n 1)
$CLIENT setup >/dev/null
echo "latency: $lat_n sequential jobs ..." >&2
$CLIENT latency "$lat_n" >"$RES/latency.json"
echo "throughput: $tp_n jobs, $SUBMITTERS submitters ..." >&2
c0=$(cpu_ticks "$BENCH_PID"); w0=$(date +%s.%N)
$CLIENT throughput "$tp_n" "$SUBMITTERS" >"$RES/throughput.json"
c1=$(cpu_ticks "$BENCH_PID"); w1=$(date +%s.%N)
tp_daemon_cpu_ms=$(awk -v a="$c0" -v b="$c1" -v n="$tp_n" -v hz="$(getconf CLK_TCK)" \
  'BEGIN {printf "%.1f", (b - a) * 1000 / hz / n}')
echo "logs: $log_n lines at 50 ms ..." >&2
$CLIENT logs "$log_n" >"$RES/logs.json"
stop_daemon

# ---- OpenArts, overcommit 1 (the 2-core pool is 2 slots, like Slurm's CR_Core) -----------------
echo "== OpenArts (OPENARTS_CPU_OVERCOMMIT=1) ==" >&2
export OPENARTS_CPU_OVERCOMMIT=1
start_daemon
unset OPENARTS_CPU_OVERCOMMIT
login
export BENCH_URL BENCH_TOKEN BENCH_PROJECT
$CLIENT setup >/dev/null
echo "throughput at overcommit 1: $tp_n jobs ..." >&2
$CLIENT throughput "$tp_n" "$SUBMITTERS" >"$RES/throughput1.json"
echo "queue: 1 job holding the pool + $queue_n queued ..." >&2
$CLIENT queue "$queue_n" "$SUBMITTERS" >"$RES/queue.json"
c0=$(cpu_ticks "$BENCH_PID"); sleep 2; c1=$(cpu_ticks "$BENCH_PID")
idle_cpu_pct=$(awk -v a="$c0" -v b="$c1" -v hz="$(getconf CLK_TCK)" 'BEGIN {printf "%.1f", (b - a) / hz / 2 * 100}')
nlog0=$(wc -l <"$BENCH_HOME/log")
$CLIENT search 25 >"$RES/search.json"
# Server-side handling time of the same calls, from the access log (last field before user).
sleep 0.5
tail -n +"$((nlog0 + 1))" "$BENCH_HOME/log" | grep ' POST /v2/[^ ]*/training-job-searches 200 ' |
  awk '{for (i = 1; i <= NF; i++) if ($i ~ /ms$/) {sub(/ms$/, "", $i); print $i}}' >"$RES/search_server.txt"
search_server_all=$(head -n 26 "$RES/search_server.txt" | tail -n 25 | median)
search_server_pending=$(tail -n 25 "$RES/search_server.txt" | median)
$CLIENT cleanup >"$RES/cleanup.json"
stop_daemon

# ---- Slurm baseline ----------------------------------------------------------------------------
slurm_ok=no
if [ "${BENCH_NO_SLURM:-0}" = 1 ]; then
  SLURM_WHY="skipped (BENCH_NO_SLURM=1)"
else
  echo "== Slurm $(slurmctld -V 2>/dev/null | cut -d' ' -f2) (batch_sched_delay=0, CR_Core, munge) ==" >&2
  if start_slurm; then
    if $CLIENT slurm-latency "$slurm_lat_n" >"$RES/slurm_latency.json" 2>"$RES/slurm.err" &&
       $CLIENT slurm-srun 20 >"$RES/slurm_srun.json" 2>>"$RES/slurm.err" &&
       $CLIENT slurm-throughput "$tp_n" "$SUBMITTERS" >"$RES/slurm_throughput.json" 2>>"$RES/slurm.err"; then
      slurm_ok=yes
    else
      SLURM_WHY="a Slurm measurement failed: $(tail -n 1 "$RES/slurm.err")"
    fi
  fi
  stop_slurm
fi
[ "$slurm_ok" = yes ] || echo "NO SLURM BASELINE: $SLURM_WHY" >&2

# ---- report ------------------------------------------------------------------------------------
RES=$RES SLURM_OK=$slurm_ok SLURM_WHY=$SLURM_WHY CAPS=$caps TP_CPU=$tp_daemon_cpu_ms \
IDLE_CPU=$idle_cpu_pct SS_ALL=$search_server_all SS_PENDING=$search_server_pending \
LAT_N=$lat_n BUILD_INFO=$BUILD_INFO LOAD="$(load_now)" OTHERS="$(others)" python3 - <<'EOF'
import json, os
res = os.environ["RES"]
def load(n):
    with open(os.path.join(res, n + ".json")) as f:
        return json.load(f)
lat, tp, tp1, logs, q, s = (load(n) for n in ("latency", "throughput", "throughput1", "logs", "queue", "search"))
sl = os.environ["SLURM_OK"] == "yes"
slat = load("slurm_latency") if sl else None
srun = load("slurm_srun") if sl else None
stp = load("slurm_throughput") if sl else None
rows = []  # metric, openarts, slurm, lower_is_better, target, pass
def row(metric, oa, slurm, lower, target, ok):
    ratio = ""
    if slurm is not None and oa:
        ratio = "%.2f" % (slurm / oa if lower else oa / slurm)  # > 1 = OpenArts better
    rows.append((metric, oa, slurm, ratio, target, "" if ok is None else ("pass" if ok else "FAIL")))
row("submit->Running p50 ms (client)", lat["client_ms"]["p50"], slat and slat["client_ms"]["p50"], True, "<= 100", lat["client_ms"]["p50"] <= 100)
row("submit->Running p99 ms (client)", lat["client_ms"]["p99"], slat and slat["client_ms"]["p99"], True, "<= 300", lat["client_ms"]["p99"] <= 300)
row("start_time-create_time p50 ms (server)", lat["server_ms"]["p50"], None, True, "", None)
row("start_time-create_time p99 ms (server)", lat["server_ms"]["p99"], None, True, "", None)
row("srun -n1 true p50 ms (Slurm only)", None, srun and srun["ms"]["p50"], True, "", None)
row("throughput jobs/s (default: 8 slots)", tp["jobs_per_s"], stp and stp["jobs_per_s"], False, ">= 20", tp["jobs_per_s"] >= 20)
row("throughput jobs/s (overcommit 1: 2 slots)", tp1["jobs_per_s"], stp and stp["jobs_per_s"], False, "", None)
row("submissions/s (4 submitters)", tp["submit_per_s"], stp and stp["submit_per_s"], False, "", None)
row("log line latency p50 ms (SSE)", logs["latency_ms"]["p50"], None, True, "", None)
row("log line latency p99 ms (SSE)", logs["latency_ms"]["p99"], None, True, "<= 200", logs["latency_ms"]["p99"] <= 200)
ok_total = s["all"]["total"] >= 1000 and s["pending"]["total"] >= 1000
row("search limit 50, %d jobs, median ms" % s["all"]["total"], s["all"]["ms"]["p50"], None, True, "< 50", s["all"]["ms"]["p50"] < 50 and ok_total)
row("search phase=Pending (%d), median ms" % s["pending"]["total"], s["pending"]["ms"]["p50"], None, True, "< 50", s["pending"]["ms"]["p50"] < 50 and ok_total)
def fmt(v):
    return "-" if v is None else ("%g" % v if isinstance(v, (int, float)) else str(v))
print("build: %s" % os.environ["BUILD_INFO"])
print("cores=%d load=%s busy-others=[%s] execution: %s" % (os.cpu_count(), os.environ["LOAD"], os.environ["OTHERS"], os.environ["CAPS"]))
print("%-44s %10s %10s %7s %8s %5s" % ("metric", "OpenArts", "Slurm", "ratio", "target", ""))
for r in rows:
    print("%-44s %10s %10s %7s %8s %5s" % (r[0], fmt(r[1]), fmt(r[2]), r[3], r[4], r[5]))
print("ratio > 1: OpenArts better (Slurm time / OpenArts time, or OpenArts rate / Slurm rate)")
print("latency breakdown p50 ms: POST %s, create->run start (staging + queue) %s, run start->started (shim + sandbox) %s; polls/sample %s"
      % (lat["post_ms"]["p50"], lat["create_to_run_start_ms"]["p50"], lat["run_start_to_started_ms"]["p50"], lat["polls_per_sample"]["p50"]))
print("latency, 5 slowest (client ms: staging / queue+wake-up / BeginRun write / spawn+record, server ms): "
      + "; ".join("%.0f: %d/%d/%d/%d" % (x["client_ms"], x["staging"], x["queue_and_wakeup"], x["begin_run_write"],
                                         x["spawn_and_record"]) for x in lat["slowest"]))
for label, t in (("default", tp), ("overcommit 1", tp1)):
    pj = t["per_job_ms"]
    print("throughput %s: per job p50 (p90) ms: queued %s (%s), admitted->started %s (%s), started->exit seen %s (%s), "
          "exit seen->Completed %s (%s); mean busy slots %.2f; most admissions in 1 s: %d"
          % (label, pj["queued"]["p50"], pj["queued"]["p90"], pj["run_start_to_started"]["p50"], pj["run_start_to_started"]["p90"],
             pj["started_to_exit_seen"]["p50"], pj["started_to_exit_seen"]["p90"], pj["exit_seen_to_end"]["p50"],
             pj["exit_seen_to_end"]["p90"], t["mean_busy_slots"], t["admissions_per_s_max_1s"]))
print("throughput: daemon CPU %s ms/job; submit %.0f/s; observed-by-polling span %.2f s"
      % (os.environ["TP_CPU"], tp["submit_per_s"], tp["observed_span_s"]))
print("queue: %d queued in %.1f s (all Pending after %.1f s); idle daemon CPU with them queued %s%%; search server-side median ms: all %s, Pending %s"
      % (q["queued"], q["submit_s"], q["all_pending_s"], os.environ["IDLE_CPU"], os.environ["SS_ALL"], os.environ["SS_PENDING"]))
if not sl:
    print("NO SLURM BASELINE: " + os.environ["SLURM_WHY"])
out = {"build": os.environ["BUILD_INFO"], "cores": os.cpu_count(), "load": os.environ["LOAD"], "latency": lat, "throughput": tp,
       "throughput_overcommit1": tp1, "throughput_daemon_cpu_ms_per_job": float(os.environ["TP_CPU"]),
       "logs": logs, "queue": q, "search": s,
       "search_server_ms": {"all": float(os.environ["SS_ALL"] or 0), "pending": float(os.environ["SS_PENDING"] or 0)},
       "idle_daemon_cpu_pct_with_queue": float(os.environ["IDLE_CPU"]),
       "slurm": {"latency": slat, "srun": srun, "throughput": stp} if sl else {"error": os.environ["SLURM_WHY"]}}
print("JSON " + json.dumps(out, separators=(",", ":")))
EOF
