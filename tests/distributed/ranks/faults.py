"""Rank script: training where rank 1 fails at step 3 (killed, or stuck); rank 0 must exit with an error naming it."""

import datetime
import os
import signal
import sys
import time

import glassgrad as gg
import glassgrad.distributed as dist
import glassgrad.nn as nn
from glassgrad.nn.parallel import DistributedDataParallel

how = sys.argv[2]
dist.init_process_group(backend="mpi", timeout=datetime.timedelta(seconds=2))
model = DistributedDataParallel(nn.Linear(4, 2))
optimizer = gg.optim.SGD(model.parameters(), lr=0.1)
for step in range(1000):
    if step == 3 and dist.get_rank() == 1:
        print(f"rank 1 fails at {time.time():.3f}", flush=True)
        if how == "kill":
            os.kill(os.getpid(), signal.SIGKILL)
        time.sleep(60)  # stuck: never reaches the next all-reduce
    optimizer.zero_grad()
    model(gg.randn(8, 4)).sum().backward()
    optimizer.step()
