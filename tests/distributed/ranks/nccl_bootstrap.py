"""Rank script: init_process_group(backend="nccl")'s bootstrap over MPI, on two real MPI ranks, with stand-ins
for CuPy and its NCCL module (no GPU here): the unique id, the GPU each rank picks, the communicator's
arguments, and the refusal of two ranks on one GPU.
"""

import hashlib
import json
import os
import sys
import types
from pathlib import Path

import glassgrad.distributed as dist
from glassgrad.distributed import _nccl, _nccl_transport

out = Path(sys.argv[1])
report: dict = {"used": [], "joined": []}


def stand_ins(gpus: int):
    """CuPy (with `gpus` devices) and cupy.cuda.nccl, recording what the bootstrap asks of them."""

    class Device:
        def __init__(self, index):
            self.index = index

        def use(self):
            report["used"].append(self.index)

    class Communicator:
        def __init__(self, world_size, uid, rank):
            report["joined"].append([world_size, hashlib.sha256(uid).hexdigest()[:16], rank])

        def destroy(self):
            report["destroyed"] = True

    runtime = types.SimpleNamespace(getDeviceCount=lambda: gpus)
    cupy = types.SimpleNamespace(cuda=types.SimpleNamespace(runtime=runtime, Device=Device))
    nccl = types.SimpleNamespace(get_unique_id=lambda: os.urandom(128), NcclCommunicator=Communicator,
                                 get_version=lambda: 23203, NCCL_AVG=4, NCCL_SUM=0)  # fmt: skip
    return lambda: (cupy, nccl)


_nccl.cuda_libraries = _nccl_transport.cuda_libraries = stand_ins(gpus=2)
dist.init_process_group(backend="nccl")
report["rank"] = rank = dist.get_rank()
report["backend"] = dist.get_backend()
report["device_index"] = dist.process_group.default_group().transport.device_index
dist.destroy_process_group()

_nccl.cuda_libraries = _nccl_transport.cuda_libraries = stand_ins(gpus=1)  # both ranks on cuda:0: refused
try:
    dist.init_process_group(backend="nccl")
    report["one_gpu"] = None
except ValueError as error:
    report["one_gpu"] = str(error)
report["initialized_after_refusal"] = dist.is_initialized()
(out / f"rank{rank}.json").write_text(json.dumps(report))
