# For the training e2e test's output-version case: writes a file named after the job into its
# output, then waits 2 s, so that a second job is created before this one uploads.
import argparse
import os
import time

p = argparse.ArgumentParser()
p.add_argument("--train_url", required=True)
args, _ = p.parse_known_args()
name = os.environ.get("JOB_LABEL", "unknown")
with open(os.path.join(args.train_url, "result.txt"), "w") as f:
    f.write("written by %s\n" % name)
time.sleep(2)
print("%s done" % name, flush=True)
