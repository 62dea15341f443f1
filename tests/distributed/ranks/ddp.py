"""Rank script: DistributedDataParallel against one process on the concatenated batch (rank 0 runs both).

Arguments: OUT [BACKEND]: 'mpi' (the default) with the models on the CPU, or 'nccl' with them on "cuda"
(tests/distributed/test_nccl.py): the same cases, the same references.
"""

import copy
import json
import sys
from pathlib import Path

import numpy as np

import glassgrad as gg
import glassgrad.distributed as dist
import glassgrad.nn as nn
import glassgrad.nn.functional as F
from glassgrad.nn.parallel import DistributedDataParallel

out = Path(sys.argv[1])
backend = sys.argv[2] if len(sys.argv) > 2 else "mpi"
device = "cuda" if backend == "nccl" else "cpu"
dist.init_process_group(backend=backend)
rank, world = dist.get_rank(), dist.get_world_size()
report: dict = {}


def host(tensor: gg.Tensor) -> np.ndarray:
    return tensor.detach().cpu().numpy()


def model_for(dtype) -> nn.Module:
    gg.manual_seed(rank)  # different on each rank: DDP must copy rank 0's
    model = nn.Sequential(nn.Linear(5, 16), nn.Tanh(), nn.Linear(16, 16), nn.Tanh(), nn.Linear(16, 3))
    return model.to(dtype).to(device)


def batches(dtype, steps: int):
    rng = np.random.default_rng(7)  # the same on every rank: each takes its half of each batch
    for _ in range(steps):
        x = rng.standard_normal((8, 5))
        y = rng.integers(0, 3, 8)
        yield gg.from_numpy(x).to(dtype).to(device), gg.from_numpy(y).to(device)


# this rank's rows of each batch of 8 (4 of them on each of 2 ranks; all 8 on one rank)
mine = slice(rank * 8 // world, (rank + 1) * 8 // world)


def relative_difference(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.abs(a - b).max() / max(np.abs(b).max(), 1e-30))


for name, dtype in (("float64", gg.float64), ("float32", gg.float32)):
    local = model_for(dtype)
    ddp = DistributedDataParallel(local, bucket_cap_mb=0.0005)  # ~500 bytes: several buckets
    reference = copy.deepcopy(local)  # rank 0's weights, now on every rank
    optimizer = gg.optim.AdamW(ddp.parameters(), lr=1e-2)
    reference_optimizer = gg.optim.AdamW(reference.parameters(), lr=1e-2)
    gradient_differences = []
    for x, y in batches(dtype, 20):
        optimizer.zero_grad()
        F.cross_entropy(ddp(x[mine]), y[mine]).backward()
        reference_optimizer.zero_grad()
        F.cross_entropy(reference(x), y).backward()
        gradient_differences.append(max(relative_difference(host(p.grad), host(q.grad))
                                        for p, q in zip(local.parameters(), reference.parameters())))  # fmt: skip
        optimizer.step()
        reference_optimizer.step()
    report[name] = {
        "buckets": len(ddp.reducer.buckets),
        "gradient": max(gradient_differences),
        "parameters": max(relative_difference(host(p), host(q))
                          for p, q in zip(local.parameters(), reference.parameters())),  # fmt: skip
        "keys": list(ddp.state_dict())[:2],
        "bucket_arrays": sorted({type(bucket.flat).__module__.split(".")[0] for bucket in ddp.reducer.buckets}),
    }

# no_sync: two half-batches accumulated locally, then averaged once, equal the whole batch's gradient
local = model_for(gg.float64)
ddp = DistributedDataParallel(local)
reference = copy.deepcopy(local)
x, y = next(batches(gg.float64, 1))
rows = (x[mine], y[mine])
half = rows[0].shape[0] // 2
with ddp.no_sync():
    (F.cross_entropy(ddp(rows[0][:half]), rows[1][:half]) / 2).backward()
(F.cross_entropy(ddp(rows[0][half:]), rows[1][half:]) / 2).backward()
F.cross_entropy(reference(x), y).backward()
report["no_sync"] = max(relative_difference(host(p.grad), host(q.grad))
                        for p, q in zip(local.parameters(), reference.parameters()))  # fmt: skip

# a layer used twice (one parameter, two uses: its hook fires once, on the summed gradient)
gg.manual_seed(rank)
shared = nn.Linear(5, 5).double()
local = nn.Sequential(shared, nn.Tanh(), shared).to(device)
ddp = DistributedDataParallel(local)
reference = copy.deepcopy(local)
x, y = next(batches(gg.float64, 1))
ddp(x[mine]).pow(2).mean().backward()
reference(x).pow(2).mean().backward()
report["shared"] = max(relative_difference(host(p.grad), host(q.grad))
                       for p, q in zip(local.parameters(), reference.parameters()))  # fmt: skip

# a parameter that takes no part in the loss: an error naming it, or zeros with find_unused_parameters=True
class WithUnused(nn.Module):
    def __init__(self):
        super().__init__()
        self.used = nn.Linear(5, 3).double()
        self.unused = nn.Linear(5, 3).double()

    def forward(self, x):
        return self.used(x)


for find_unused in (False, True):
    gg.manual_seed(0)
    local = WithUnused().to(device)
    ddp = DistributedDataParallel(local, find_unused_parameters=find_unused)
    try:
        ddp(x[mine]).sum().backward()
        report[f"unused_{find_unused}"] = [host(local.unused.weight.grad).tolist(),
                                           float(host(local.used.weight.grad).sum())]  # fmt: skip
    except RuntimeError as error:
        report[f"unused_{find_unused}"] = str(error)

# buffers: rank 0's at construction (BatchNorm's running statistics differ on rank 1 before)
norm = nn.BatchNorm1d(3).double().to(device)
norm.running_mean.add_(float(rank))
DistributedDataParallel(nn.Sequential(nn.Linear(2, 3).double().to(device), norm))
report["running_mean"] = host(norm.running_mean).tolist()

# overlap: the first bucket's all-reduce starts while backward still runs the layers below it
events: list[str] = []


class Probe(gg.autograd.Function):
    """Identity that records when its backward runs (between the first and the last layer's gradients)."""

    @staticmethod
    def forward(ctx, x):
        return x.clone()

    @staticmethod
    def backward(ctx, grad):
        events.append("probe backward")
        return grad


class ProbedModel(nn.Module):
    def __init__(self):
        super().__init__()
        self.first = nn.Linear(5, 16).double()
        self.rest = nn.Sequential(nn.Tanh(), nn.Linear(16, 16), nn.Tanh(), nn.Linear(16, 3)).double()

    def forward(self, x):
        return self.rest(Probe.apply(self.first(x)))


ddp = DistributedDataParallel(ProbedModel().to(device), bucket_cap_mb=0.0005)
reducer = ddp.reducer
start, finish = reducer._start, reducer._finish_backward
reducer._start = lambda bucket: (events.append(f"start {reducer.buckets.index(bucket)}"), start(bucket))[1]
reducer._finish_backward = lambda: (finish(), events.append("all-reduces waited for"))[0]
x, y = next(batches(gg.float64, 1))
F.cross_entropy(ddp(x[mine]), y[mine]).backward()
events.append("backward returned")
report["overlap"] = {"events": events, "buckets": len(reducer.buckets)}

# models that differ across ranks: an error naming the ranks and the parameters
try:
    DistributedDataParallel(nn.Linear(4, 3 + rank).to(device))
    report["mismatch"] = None
except ValueError as error:
    report["mismatch"] = str(error)
(out / f"rank{rank}.json").write_text(json.dumps(report))
