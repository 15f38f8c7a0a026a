# For the training e2e test's sandbox case: tries to read the daemon's data directory and another
# job's files, and to write outside its own directories; checks what it should see (its code, its
# inputs and outputs, /cache, the reserved environment). Prints one line
#   PROBE_RESULT {"read": {...}, "write": {...}, "own": {...}, "uid": N, "env": {...}}
# where each attempt is "ok" (it could) or the error it got.
import argparse
import json
import os
import sys

p = argparse.ArgumentParser()
p.add_argument("--data_url", required=True)
p.add_argument("--train_url", required=True)
args, _ = p.parse_known_args()

home = os.environ["PROBE_DAEMON_HOME"]     # the daemon's OPENARTS_HOME on the host
other = os.environ["PROBE_OTHER_JOB_DIR"]  # <OPENARTS_HOME>/jobs/<another job id>
tag = os.environ["PROBE_TAG"]              # unique, for files the test looks for on the host
host_dir = os.environ["PROBE_HOST_DIR"]    # the test's own directory on the host


def attempt(fn):
    try:
        r = fn()
        return "ok" if r is None else "ok: %s" % (r,)
    except Exception as e:  # noqa: BLE001
        return "%s: %s" % (type(e).__name__, e)


def read(path):
    with open(path, "rb") as f:
        return "%d bytes" % len(f.read())


def listdir(path):
    entries = os.listdir(path)
    if not entries:
        raise FileNotFoundError("empty directory")
    return ",".join(sorted(entries))


def write(path):
    with open(path, "w") as f:
        f.write("escaped\n")


result = {"read": {}, "write": {}, "own": {}}
result["read"]["list daemon home"] = attempt(lambda: listdir(home))
result["read"]["meta.db"] = attempt(lambda: read(os.path.join(home, "meta.db")))
result["read"]["secrets/master.key"] = attempt(lambda: read(os.path.join(home, "secrets", "master.key")))
result["read"]["list objects"] = attempt(lambda: listdir(os.path.join(home, "objects")))
result["read"]["list other job"] = attempt(lambda: listdir(other))
result["read"]["other job output"] = attempt(lambda: read(os.path.join(other, "outputs", "0", "secret.txt")))
result["read"]["list jobs"] = attempt(lambda: listdir(os.path.join(home, "jobs")))

escape = "escape-%s.txt" % tag
result["write"]["daemon home"] = attempt(lambda: write(os.path.join(home, escape)))
result["write"]["other job output"] = attempt(lambda: write(os.path.join(other, "outputs", "0", escape)))
result["write"]["/usr"] = attempt(lambda: write(os.path.join("/usr", escape)))
result["write"]["/etc"] = attempt(lambda: write(os.path.join("/etc", escape)))
result["write"]["/var/tmp"] = attempt(lambda: write(os.path.join("/var/tmp", escape)))
result["write"]["test dir"] = attempt(lambda: write(os.path.join(host_dir, escape)))

code = "/home/ma-user/modelarts/user-job-dir/code"
result["own"]["code dir"] = attempt(lambda: listdir(code))
result["own"]["script path"] = os.path.abspath(sys.argv[0])
result["own"]["data_url"] = args.data_url
result["own"]["read input"] = attempt(lambda: listdir(args.data_url))
result["own"]["train_url"] = args.train_url
result["own"]["write output"] = attempt(lambda: write(os.path.join(args.train_url, "own-output.txt")))
result["own"]["write /cache"] = attempt(lambda: write("/cache/own.txt"))
result["own"]["write home"] = attempt(lambda: write("/home/ma-user/own.txt"))
result["own"]["write /tmp"] = attempt(lambda: write("/tmp/own.txt"))
result["own"]["cwd"] = os.getcwd()
result["uid"] = os.getuid()
result["gid"] = os.getgid()
result["visible processes"] = len([d for d in os.listdir("/proc") if d.isdigit()])
result["env"] = {k: v for k, v in os.environ.items() if k.startswith(("MA_", "VC_"))}
print("PROBE_RESULT " + json.dumps(result, sort_keys=True), flush=True)
