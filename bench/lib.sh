# Shared helpers for the whole-system benchmarks: start a throw-away daemon and log in.
# Source it; needs build/ to be built.
BIN=${OPENARTS_BIN:-build/src/server/openarts}
BENCH_PASSWORD=bench-Password-1

start_daemon() {  # start_daemon [extra serve flags...] → sets BENCH_HOME, BENCH_URL, BENCH_PID
  BENCH_HOME=$(mktemp -d /tmp/oa-bench-XXXXXX)
  OPENARTS_HOME=$BENCH_HOME OPENARTS_LISTEN=127.0.0.1:0 OPENARTS_ADMIN_PASSWORD=$BENCH_PASSWORD \
    "$BIN" serve "$@" >"$BENCH_HOME/stdout" 2>"$BENCH_HOME/log" &
  BENCH_PID=$!
  BENCH_URL=""
  for _ in $(seq 1 100); do
    BENCH_URL=$(sed -n 's/^OpenArts listening on //p' "$BENCH_HOME/stdout" | head -n 1)
    [ -n "$BENCH_URL" ] && break
    sleep 0.1
  done
  [ -n "$BENCH_URL" ] || { echo "daemon did not start:"; cat "$BENCH_HOME/log"; exit 1; }
}

stop_daemon() {
  kill -TERM "$BENCH_PID" 2>/dev/null || true
  wait "$BENCH_PID" 2>/dev/null || true
  rm -rf "$BENCH_HOME"
}

login() {  # → sets BENCH_TOKEN, BENCH_PROJECT
  local hdrs body
  hdrs=$(mktemp)
  body=$(curl -sS -D "$hdrs" -H 'Content-Type: application/json' -X POST "$BENCH_URL/v3/auth/tokens" \
    -d "{\"auth\":{\"identity\":{\"methods\":[\"password\"],\"password\":{\"user\":{\"name\":\"admin\",\"password\":\"$BENCH_PASSWORD\"}}},\"scope\":{\"project\":{\"name\":\"local\"}}}}")
  BENCH_TOKEN=$(grep -i '^x-subject-token:' "$hdrs" | cut -d' ' -f2 | tr -d '\r')
  BENCH_PROJECT=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["token"]["project"]["id"])' <<<"$body")
  rm -f "$hdrs"
}

median() { sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
