#!/usr/bin/env python3
"""Client side of bench/training.sh: millisecond timing of training jobs (python3 stdlib only).

OpenArts (needs BENCH_URL, BENCH_TOKEN, BENCH_PROJECT in the environment):
  setup                          bucket "bench" with the boot files and one data object
  latency N                      N sequential submit -> Running samples (each job then waits done)
  throughput N C                 N `pass` jobs from C concurrent submitters, until all Completed
  logs LINES                     a job prints its wall clock every 50 ms; SSE follow latencies
  queue N                        one job holding the whole pool, then N more that queue
  search CALLS                   times POST training-job-searches (limit 50; + phase Pending)
  cleanup                        terminate what `queue` left and wait until nothing runs
Slurm (SLURM_CONF in the environment):
  slurm-latency N | slurm-srun N | slurm-throughput N C
Each command prints one JSON object on stdout; times are in ms.
"""
import datetime
import http.client
import json
import math
import os
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse

ENGINE = {"engine_name": "PyTorch",
          "engine_version": "pytorch_1.8.0-cuda_10.2-py_3.7-ubuntu_18.04-x86_64"}
SLEEP_JOB = "import time\ntime.sleep(0.5)\n"
PASS_JOB = "pass\n"
TICK_JOB = ("import os, time\n"
            "n = int(os.environ.get('TICKS', '240'))\n"
            "for i in range(n):\n"
            "    print('tick %d %.6f' % (i, time.time()), flush=True)\n"
            "    time.sleep(0.05)\n")
LONG_JOB = "import time\ntime.sleep(3600)\n"
POLL_PAUSE = float(os.environ.get("BENCH_POLL_PAUSE_MS", "0")) / 1000  # 0 = poll back to back
TERMINAL = ("Completed", "Failed", "Terminated", "Abnormal")


def run_parallel(fn, n):
    """Runs fn on n threads at once and waits for all of them."""
    threads = [threading.Thread(target=fn) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def pct(values, p):
    """Nearest-rank percentile (p in 0..100) of a non-empty list."""
    v = sorted(values)
    k = max(0, min(len(v) - 1, math.ceil(p / 100.0 * len(v) - 1e-9) - 1))
    return v[k]


def summary(values):
    if not values:
        return {"n": 0}
    return {"n": len(values), "p50": round(statistics.median(values), 2),
            "p90": round(pct(values, 90), 2), "p99": round(pct(values, 99), 2),
            "min": round(min(values), 2), "max": round(max(values), 2)}


class Api:
    """One keep-alive connection to the daemon (not thread-safe: one per thread)."""

    def __init__(self):
        self.url = urllib.parse.urlparse(os.environ["BENCH_URL"])
        self.token = os.environ["BENCH_TOKEN"]
        self.project = os.environ["BENCH_PROJECT"]
        self.conn = None

    def _connect(self):
        self.conn = http.client.HTTPConnection(self.url.hostname, self.url.port, timeout=60)
        self.conn.connect()
        # Nagle off: small requests go out at once (the timing is what we measure).
        import socket
        self.conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def call(self, method, path, body=None, raw=None, expect=(200, 201, 202)):
        headers = {"X-Auth-Token": self.token}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        elif raw is not None:
            data = raw
        for attempt in (0, 1):
            if self.conn is None:
                self._connect()
            try:
                self.conn.request(method, path, body=data, headers=headers)
                r = self.conn.getresponse()
                text = r.read()
                break
            except (http.client.HTTPException, OSError):
                self.conn.close()
                self.conn = None
                if attempt:
                    raise
        if r.status not in expect:
            raise RuntimeError("%s %s -> %d %s" % (method, path, r.status, text[:500]))
        return json.loads(text) if text and r.getheader("Content-Type", "").startswith("application/json") else text

    def v1(self, p):
        return "/v1/%s%s" % (self.project, p)

    def v2(self, p):
        return "/v2/%s%s" % (self.project, p)

    def submit(self, name, code, flavor="modelarts.vm.cpu.1u", env=None):
        body = {"kind": "job",
                "metadata": {"name": name},
                "algorithm": {"code_dir": "obs://bench/%s/" % code, "boot_file": "main.py",
                              "engine": ENGINE,
                              "inputs": [{"name": "data_url",
                                          "remote": {"obs": {"obs_url": "obs://bench/data/"}}}]},
                "spec": {"resource": {"flavor_id": flavor, "node_count": 1}}}
        if env:
            body["algorithm"]["environments"] = env
        return self.call("POST", self.v2("/training-jobs"), body)["metadata"]["id"]

    def job(self, jid):
        return self.call("GET", self.v2("/training-jobs/" + jid))

    def search(self, limit=50, phases=None, offset=0):
        body = {"limit": limit, "offset": offset, "sort_by": "create_time", "order": "desc"}
        if phases:
            body["filters"] = [{"key": "phase", "operator": "in", "value": phases}]
        return self.call("POST", self.v2("/training-job-searches"), body)

    def wait_phase(self, jid, phases, pause=0.01, timeout=120):
        deadline = time.time() + timeout
        while time.time() < deadline:
            j = self.job(jid)
            if j["status"]["phase"] in phases:
                return j
            time.sleep(pause)
        raise RuntimeError("job %s not in %s after %ds" % (jid, phases, timeout))


def setup():
    a = Api()
    a.call("PUT", a.v1("/buckets/bench"), {}, expect=(200, 201, 409))
    for code, text in (("sleep", SLEEP_JOB), ("pass", PASS_JOB), ("tick", TICK_JOB), ("long", LONG_JOB)):
        a.call("PUT", a.v1("/buckets/bench/objects/%s/main.py" % code), raw=text.encode())
    a.call("PUT", a.v1("/buckets/bench/objects/data/sample.txt"), raw=b"one small object\n")
    return {"ok": True}


def latency(n):
    """Sequential: POST, then GET as fast as the connection allows until the phase is Running."""
    a = Api()
    a.wait_phase(a.submit("warmup", "sleep"), TERMINAL)  # first-use costs out of the samples
    client, server, post, queue, spawn, polls, ids = [], [], [], [], [], [], []
    for i in range(n):
        t0 = time.perf_counter()
        jid = a.submit("lat-%d" % i, "sleep")
        t1 = time.perf_counter()
        k = 0
        while True:
            j = a.job(jid)
            k += 1
            if j["status"]["phase"] != "Creating" and j["status"]["phase"] != "Pending":
                break
            if POLL_PAUSE:
                time.sleep(POLL_PAUSE)
        t2 = time.perf_counter()
        if j["status"]["phase"] not in ("Running", "Completed"):
            raise RuntimeError("job %s ended %s: %s" % (jid, j["status"]["phase"], j["status"]))
        client.append((t2 - t0) * 1000)
        post.append((t1 - t0) * 1000)
        polls.append(k)
        done = a.wait_phase(jid, TERMINAL)
        st = done["status"]
        create = done["metadata"]["create_time"]
        server.append(st["start_time"] - create)
        start_at = st["running_records"][0]["start_at"]
        queue.append(start_at - create)           # staging (code + input download) and queue
        spawn.append(st["start_time"] - start_at)  # task shim + sandbox start
        if st["phase"] != "Completed":
            raise RuntimeError("job %s ended %s" % (jid, st["phase"]))
        ids.append(jid)
    slowest = sorted(range(n), key=lambda i: -client[i])[:5]
    return {"client_ms": summary(client), "server_ms": summary(server), "post_ms": summary(post),
            "create_to_run_start_ms": summary(queue), "run_start_to_started_ms": summary(spawn),
            "polls_per_sample": summary(polls),
            "slowest": [dict(explain(a, ids[i]), client_ms=round(client[i], 1)) for i in slowest]}


def iso_ms(text):
    d = datetime.datetime.strptime(text[:23], "%Y-%m-%dT%H:%M:%S.%f")
    return int(round(d.replace(tzinfo=datetime.timezone.utc).timestamp() * 1000))


def explain(a, jid):
    """Where the time of one submit -> Running went, from the job's own timestamps (ms)."""
    j = a.job(jid)
    create = j["metadata"]["create_time"]
    st = j["status"]
    run_start = st["running_records"][0]["start_at"]
    ev = a.call("GET", a.v2("/training-jobs/%s/events?limit=100" % jid))["events"]
    staged = max([iso_ms(e["time"]) for e in ev if "Download" in e["message"]] or [create])
    log = a.call("GET", a.v2("/training-jobs/%s/tasks/worker-0/logs?timestamps=true&limit=4096" % jid))
    first = log.decode().split("\n", 1)[0] if isinstance(log, bytes) else ""
    logged = iso_ms(first) if first[:2] == "20" else run_start
    return {"id": jid, "staging": staged - create, "queue_and_wakeup": run_start - staged,
            "begin_run_write": logged - run_start, "spawn_and_record": st["start_time"] - logged}


def throughput(n, c):
    ids, lock, errors = [], threading.Lock(), []
    todo = list(range(n))

    def submitter():
        a = Api()
        while True:
            with lock:
                if not todo:
                    return
                i = todo.pop()
            try:
                jid = a.submit("tp-%d" % i, "pass")
            except Exception as e:  # noqa: BLE001 - reported below
                errors.append(str(e))
                return
            with lock:
                ids.append(jid)

    a = Api()
    a.wait_phase(a.submit("tp-warmup", "pass"), TERMINAL)
    t0_wall = time.time()
    t0 = time.perf_counter()
    run_parallel(submitter, c)
    t_submitted = time.perf_counter()
    if errors:
        raise RuntimeError("submit failed: %s" % errors[0])
    # Until none is left un-finished (the warm-up job is already Completed).
    while True:
        left = a.search(limit=1, phases=["Creating", "Pending", "Running", "Terminating"])["total"]
        if left == 0:
            break
        time.sleep(0.02)
    t_seen = time.perf_counter()
    ends, phases, rec = [], {}, []
    for jid in ids:
        j = a.job(jid)
        st = j["status"]
        phases[st["phase"]] = phases.get(st["phase"], 0) + 1
        ends.append(st.get("end_time", 0))
        rr = st["running_records"][0] if st.get("running_records") else {}
        rec.append((j["metadata"]["create_time"], rr.get("start_at", 0), st.get("start_time", 0),
                    rr.get("end_at", 0), st.get("end_time", 0)))
    # Slot occupancy: a job holds its slot from run start (admission) to end_time.
    busy_ms = sum(e - r for _, r, _, _, e in rec)
    starts = sorted(r for _, r, _, _, _ in rec)
    span_s = (max(ends) - t0_wall * 1000) / 1000.0  # first submit -> last end_time (server)
    return {"jobs": n, "submitters": c, "phases": phases,
            "submit_s": round(t_submitted - t0, 3), "submit_per_s": round(n / (t_submitted - t0), 1),
            "span_s": round(span_s, 3), "jobs_per_s": round(n / span_s, 2),
            "observed_span_s": round(t_seen - t0, 3), "observed_jobs_per_s": round(n / (t_seen - t0), 2),
            "per_job_ms": {"queued": summary([r - c for c, r, _, _, _ in rec]),
                           "run_start_to_started": summary([s_ - r for _, r, s_, _, _ in rec]),
                           "started_to_exit_seen": summary([x - s_ for _, _, s_, x, _ in rec]),
                           "exit_seen_to_end": summary([e - x for _, _, _, x, e in rec])},
            "mean_busy_slots": round(busy_ms / (span_s * 1000), 2),
            "admissions_per_s_max_1s": max(sum(1 for t in starts if s0 <= t < s0 + 1000) for s0 in starts)}


def logs(lines):
    a = Api()
    jid = a.submit("logs", "tick", env={"TICKS": str(lines)})
    path = a.v2("/training-jobs/%s/tasks/worker-0/logs?follow=true" % jid)
    conn = http.client.HTTPConnection(a.url.hostname, a.url.port, timeout=120)
    conn.request("GET", path, headers={"X-Auth-Token": a.token, "Accept": "text/event-stream"})
    r = conn.getresponse()
    if r.status != 200:
        raise RuntimeError("follow -> %d %s" % (r.status, r.read()[:300]))
    lat, event, data, batches = [], None, [], 0
    while True:
        raw = r.readline()
        if not raw:
            break
        now = time.time()
        line = raw.decode().rstrip("\n")
        if line == "":
            if event == "log":
                batches += 1
                for d in data:
                    p = d.split()
                    if len(p) == 3 and p[0] == "tick":
                        lat.append((now - float(p[2])) * 1000)
            if event == "end":
                break
            event, data = None, []
        elif line.startswith("event:"):
            event = line[6:].strip()
        elif line.startswith("data:"):
            data.append(line[5:].lstrip(" ") if line.startswith("data: ") else line[5:])
    conn.close()
    st = a.job(jid)["status"]
    if len(lat) < lines:
        raise RuntimeError("only %d tick lines arrived (job %s)" % (len(lat), st["phase"]))
    return {"lines": len(lat), "events": batches, "latency_ms": summary(lat), "job_phase": st["phase"]}


def queue(n, c):
    a = Api()
    long_id = a.submit("holder", "long", flavor="modelarts.vm.cpu.2u")
    a.wait_phase(long_id, ("Running",) + TERMINAL)
    todo, lock, errors = list(range(n)), threading.Lock(), []

    def submitter():
        b = Api()
        while True:
            with lock:
                if not todo:
                    return
                i = todo.pop()
            try:
                b.submit("queued-%d" % i, "pass")
            except Exception as e:  # noqa: BLE001
                errors.append(str(e))
                return

    t0 = time.perf_counter()
    run_parallel(submitter, c)
    if errors:
        raise RuntimeError("submit failed: %s" % errors[0])
    t1 = time.perf_counter()
    while a.search(limit=1, phases=["Creating"])["total"] > 0:
        time.sleep(0.05)
    t2 = time.perf_counter()
    return {"holder": long_id, "holder_phase": a.job(long_id)["status"]["phase"], "queued": n,
            "submit_s": round(t1 - t0, 2), "all_pending_s": round(t2 - t0, 2)}


def search(calls):
    a = Api()
    out = {}
    for label, phases in (("all", None), ("pending", ["Pending"])):
        a.search(50, phases)  # warm
        times, total, count = [], None, None
        for _ in range(calls):
            t0 = time.perf_counter()
            r = a.search(50, phases)
            times.append((time.perf_counter() - t0) * 1000)
            total, count = r["total"], r["count"]
        out[label] = {"ms": summary(times), "total": total, "count": count}
    return out


def cleanup():
    a = Api()
    ids = []
    while True:
        r = a.search(50, ["Creating", "Pending", "Running"], offset=len(ids))
        ids += [it["metadata"]["id"] for it in r["items"]]
        if r["count"] == 0 or len(ids) >= r["total"]:
            break
    # Queued ones first (terminating the holder first would let them start).
    def rank(jid):
        return 1 if a.job(jid)["status"]["phase"] == "Running" else 0
    ids.sort(key=rank)
    for jid in ids:
        a.call("POST", a.v2("/training-jobs/%s/actions" % jid), {"action_type": "terminate"},
               expect=(202, 409, 412, 400))
    deadline = time.time() + 60
    while time.time() < deadline:
        if a.search(1, ["Creating", "Pending", "Running", "Terminating"])["total"] == 0:
            return {"terminated": len(ids)}
        time.sleep(0.1)
    return {"terminated": len(ids), "warning": "jobs still not finished after 60 s"}


# ---- Slurm ---------------------------------------------------------------------------------

def sh(*args):
    return subprocess.run(args, check=True, capture_output=True, text=True).stdout.strip()


def sbatch(script, name):
    return sh("sbatch", "--parsable", "--no-requeue", "-J", name, "-n1", "-o", "/dev/null",
              "--wrap", script).split(";")[0]


def slurm_state(jid):
    return subprocess.run(["squeue", "-h", "-j", jid, "-o", "%T"], capture_output=True,
                          text=True).stdout.strip()


def slurm_latency(n):
    script = "python3 -c 'import time; time.sleep(0.5)'"
    jid = sbatch(script, "warmup")
    while slurm_state(jid) not in ("", "COMPLETED"):
        time.sleep(0.02)
    lat, polls = [], []
    for i in range(n):
        t0 = time.perf_counter()
        jid = sbatch(script, "lat-%d" % i)
        k = 0
        while True:
            s = slurm_state(jid)
            k += 1
            if s not in ("PENDING", "CONFIGURING"):
                break
        lat.append((time.perf_counter() - t0) * 1000)
        polls.append(k)
        if s not in ("RUNNING", "COMPLETING", "COMPLETED", ""):
            raise RuntimeError("slurm job %s is %s" % (jid, s))
        while slurm_state(jid) not in ("", "COMPLETED"):
            time.sleep(0.02)
    return {"client_ms": summary(lat), "polls_per_sample": summary(polls)}


def slurm_srun(n):
    t = []
    sh("srun", "-n1", "true")
    for _ in range(n):
        t0 = time.perf_counter()
        sh("srun", "-n1", "true")
        t.append((time.perf_counter() - t0) * 1000)
    return {"ms": summary(t)}


def slurm_throughput(n, c):
    todo, lock, errors = list(range(n)), threading.Lock(), []

    def submitter():
        while True:
            with lock:
                if not todo:
                    return
                todo.pop()
            try:
                sbatch("true", "oabench-tp")
            except Exception as e:  # noqa: BLE001
                errors.append(str(e))
                return

    t0 = time.perf_counter()
    run_parallel(submitter, c)
    t1 = time.perf_counter()
    if errors:
        raise RuntimeError("sbatch failed: %s" % errors[0])
    while True:
        out = subprocess.run(["squeue", "-h", "-n", "oabench-tp", "-o", "%i"], capture_output=True,
                             text=True).stdout.split()
        if not out:
            break
        time.sleep(0.02)
    t2 = time.perf_counter()
    return {"jobs": n, "submitters": c, "submit_s": round(t1 - t0, 3),
            "submit_per_s": round(n / (t1 - t0), 1), "span_s": round(t2 - t0, 3),
            "jobs_per_s": round(n / (t2 - t0), 2)}


def main():
    cmd, args = sys.argv[1], [int(x) for x in sys.argv[2:]]
    fn = {"setup": setup, "latency": latency, "throughput": throughput, "logs": logs,
          "queue": queue, "search": search, "cleanup": cleanup, "slurm-latency": slurm_latency,
          "slurm-srun": slurm_srun, "slurm-throughput": slurm_throughput}[cmd]
    print(json.dumps(fn(*args)), flush=True)


if __name__ == "__main__":
    main()
