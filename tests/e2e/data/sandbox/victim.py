# For the training e2e test's sandbox case: the "other job", whose files the probe must not reach.
import argparse
import os

p = argparse.ArgumentParser()
p.add_argument("--train_url", required=True)
args, _ = p.parse_known_args()
with open(os.path.join(args.train_url, "secret.txt"), "w") as f:
    f.write("the other job's secret\n")
print("victim wrote its secret", flush=True)
