# Stands in for the manual's MNIST main.py (spec/training.md §3): takes the arguments the platform
# appends (inputs, outputs, hyperparameters; unknown ones ignored), checks that the dataset was
# downloaded, does a little torch work, and writes a result into output_dir.
import argparse
import os
import sys

p = argparse.ArgumentParser()
p.add_argument("--data_url", default="./Data/mnist.npz")
p.add_argument("--output_dir", default=None)
p.add_argument("--train_url", default=None)
p.add_argument("--epoch", type=int, default=1)
p.add_argument("--learning_rate", type=float, default=0.1)
p.add_argument("--pretrained", action="store_true")
args, unknown = p.parse_known_args()

print("interpreter %s, cwd %s, uid %d" % (sys.executable, os.getcwd(), os.getuid()), flush=True)
print("arguments: %s" % " ".join(sys.argv[1:]), flush=True)
files = sorted(os.listdir(args.data_url))
print("dataset files: %s" % ",".join(files), flush=True)
if not files:
    sys.exit("no dataset in %s" % args.data_url)

import torch  # noqa: E402

w = torch.zeros(4, requires_grad=True)
opt = torch.optim.SGD([w], lr=args.learning_rate)
for _ in range(args.epoch):
    opt.zero_grad()
    loss = ((w - 1.0) ** 2).sum()
    loss.backward()
    opt.step()
print("epochs %d learning_rate %g pretrained %s final loss %.6f" %
      (args.epoch, args.learning_rate, args.pretrained, loss.item()), flush=True)
out = args.output_dir or args.train_url
if out:
    with open(os.path.join(out, "result.txt"), "w") as f:
        f.write("loss %.6f\n" % loss.item())
print("MNIST sample done", flush=True)
