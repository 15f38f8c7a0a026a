# A small distributed data-parallel job for the training e2e test and the docs: a linear model on
# synthetic data, gloo all-reduce, the manual's DDP arguments (--init_method, --rank,
# --world_size), rank 0 saves the model under --train_url, and a checkpoint makes it resumable.
import argparse
import os
import sys

import torch
import torch.distributed as dist
from torch.nn.parallel import DistributedDataParallel as DDP

p = argparse.ArgumentParser()
p.add_argument("--init_method", default=None)
p.add_argument("--rank", type=int, default=0)
p.add_argument("--world_size", type=int, default=1)
p.add_argument("--data_url", default="./data")
p.add_argument("--train_url", default="./model")
p.add_argument("--epochs", type=int, default=3)
p.add_argument("--crash_at_epoch", type=int, default=-1)
args, _ = p.parse_known_args()

if args.init_method is None:
    args.init_method = "tcp://%s:%s" % (os.environ["MASTER_ADDR"], os.environ["MASTER_PORT"])
dist.init_process_group("gloo", init_method=args.init_method, rank=args.rank,
                        world_size=args.world_size)
print("rank %d of %d joined via %s (RUN_ID=%s)" % (dist.get_rank(), dist.get_world_size(),
                                                   args.init_method, os.environ.get("RUN_ID")),
      flush=True)

torch.manual_seed(0)
x = torch.randn(256, 8)
w_true = torch.arange(1.0, 9.0)
y = x @ w_true + 0.01 * torch.randn(256)
shard = slice(args.rank, None, args.world_size)
xs, ys = x[shard], y[shard]

model = DDP(torch.nn.Linear(8, 1))
opt = torch.optim.SGD(model.parameters(), lr=0.05)
ckpt = os.path.join(args.train_url, "checkpoint.pt")
start = 0
if os.path.exists(ckpt):
    state = torch.load(ckpt)
    model.module.load_state_dict(state["model"])
    opt.load_state_dict(state["opt"])
    start = state["epoch"] + 1
    print("resumed from checkpoint at epoch %d" % start, flush=True)

for epoch in range(start, args.epochs):
    for _ in range(20):
        opt.zero_grad()
        loss = torch.nn.functional.mse_loss(model(xs).squeeze(1), ys)
        loss.backward()
        opt.step()
    # The loss averaged over every rank: the same number on each worker.
    t = loss.detach().clone()
    dist.all_reduce(t)
    t /= args.world_size
    print("epoch %d all-reduced loss %.6f" % (epoch, t.item()), flush=True)
    if args.rank == 0:
        torch.save({"model": model.module.state_dict(), "opt": opt.state_dict(), "epoch": epoch}, ckpt)
    dist.barrier()
    if epoch == args.crash_at_epoch and start == 0:
        print("simulated crash at epoch %d" % epoch, flush=True)
        sys.exit(1)

if args.rank == 0:
    torch.save(model.module.state_dict(), os.path.join(args.train_url, "model.pt"))
    print("saved model to %s" % os.path.join(args.train_url, "model.pt"), flush=True)
dist.destroy_process_group()
