"""Rank script: every collective and DDP's buckets go through the group's transport (the seam NCCL plugs into).

The group's MPI transport is wrapped in one that records each call and passes it on; each rank writes the
calls and the results.
"""

import json
import sys
from pathlib import Path

import numpy as np

import glassgrad as gg
import glassgrad.distributed as dist
import glassgrad.nn as nn
from glassgrad.nn.parallel import DistributedDataParallel

out = Path(sys.argv[1])
dist.init_process_group(backend="gloo")  # PyTorch's CPU backend's name: MPI's transport
group = dist.process_group.default_group()
calls: list[str] = []


class Recording:
    """The group's transport, with a log of the calls."""

    def __init__(self, inner):
        self.inner = inner

    def __getattr__(self, name):
        value = getattr(self.inner, name)
        if name in ("all_reduce", "broadcast", "all_gather", "reduce_scatter", "barrier"):
            return lambda *args: (calls.append(name), value(*args))[1]
        return value


report: dict = {"transport": type(group.transport).__name__, "backend": dist.get_backend()}
group.transport = Recording(group.transport)
rank, world = dist.get_rank(), dist.get_world_size()
t = gg.full((3,), 2.0)
dist.all_reduce(t, op=dist.ReduceOp.AVG)
dist.broadcast(t, src=0)
outputs = [gg.zeros(3) for _ in range(world)]
dist.all_gather(outputs, t)
whole = gg.zeros(3 * world)
dist.all_gather_into_tensor(whole, t)
part = gg.zeros(3)
dist.reduce_scatter(part, [gg.ones(3) for _ in range(world)])
dist.reduce_scatter_tensor(part, gg.ones(3 * world))
dist.barrier()
report["collectives"] = list(calls)
report["values"] = [t.numpy().tolist(), whole.numpy().tolist(), part.numpy().tolist()]

calls.clear()
model = DistributedDataParallel(nn.Linear(3, 2), bucket_cap_mb=1e-6)  # 1 byte: a bucket per parameter
model(gg.ones(4, 3)).sum().backward()
report["ddp"] = list(calls)
report["ddp_buckets"] = len(model.reducer.buckets)
report["weight_grad"] = model.module.weight.grad.numpy().tolist()
report["expected_weight_grad"] = np.full((2, 3), 4.0).tolist()
dist.destroy_process_group()
(out / f"rank{rank}.json").write_text(json.dumps(report))
