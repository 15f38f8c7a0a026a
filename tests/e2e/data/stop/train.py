# For the training e2e test's stop case: writes a file into its output, starts a grandchild in a
# session of its own (setsid: it leaves the task's process group), says "ready", then sleeps far
# longer than the test waits. A stop must end both, and still upload the output.
import argparse
import os
import subprocess
import time

p = argparse.ArgumentParser()
p.add_argument("--train_url", required=True)
args, _ = p.parse_known_args()

rank = os.environ.get("VC_TASK_INDEX", "0")
with open(os.path.join(args.train_url, "written-by-worker-%s.txt" % rank), "w") as f:
    f.write("written before the stop\n")
child = subprocess.Popen(["/bin/sleep", "300"], start_new_session=True)
print("worker %s ready; setsid grandchild pid %d" % (rank, child.pid), flush=True)
time.sleep(300)
print("worker %s was not stopped" % rank, flush=True)
