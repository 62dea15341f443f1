"""Rank script: join the group, say so in OUT/ready-RANK, then train forever (until Ctrl-C)."""

import sys
from pathlib import Path

import glassgrad as gg
import glassgrad.distributed as dist

out = Path(sys.argv[1])
dist.init_process_group(backend="mpi")
(out / f"ready-{dist.get_rank()}").write_text("")
while True:
    dist.all_reduce(gg.ones(4))
