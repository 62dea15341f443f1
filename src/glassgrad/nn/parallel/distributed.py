"""DistributedDataParallel: one replica of the model per process, gradients averaged across the processes.

    dist.init_process_group(backend="mpi")     # or "nccl", with the model on "cuda"
    model = DistributedDataParallel(model)     # rank 0's parameters and buffers are copied to every rank
    loss_fn(model(x_of_this_rank), y).backward()  # .grad = the average over the ranks' batches
    optimizer.step()                           # identical steps: the replicas stay identical

With each rank's loss a mean over its B examples, the averaged gradient is the gradient of the mean over all
N*B examples: training on N ranks is training on the concatenated batch (tests/distributed pin this).
"""

from __future__ import annotations

import contextlib
import hashlib
from typing import Any, Iterator

import numpy as np

from ...backend.device import device_of, namespace_of
from ...distributed._buffers import write_back
from ...distributed._nccl_transport import gpu_index
from ...distributed.process_group import ProcessGroup, resolve
from ...distributed.work import wait_for, wait_until_done
from ..module import Module
from ._reducer import Reducer


class DistributedDataParallel(Module):
    """Wraps `module`; its forward is the module's, and every synced backward averages the gradients.

    Args (PyTorch's; the ones that only concern GPUs or PyTorch's internals are accepted and ignored):
        module: the model, the same architecture on every rank (checked at construction).
        device_ids: None for CPU modules (the 'mpi' backend); with 'nccl', None or [this rank's GPU index]
            (PyTorch's `device_ids=[local_rank]`). The module must be on the backend's device.
        broadcast_buffers: copy rank 0's buffers (e.g. BatchNorm's running statistics) to every rank at the
            start of each forward (PyTorch's default, True).
        bucket_cap_mb: the size of a gradient bucket in MiB (25, PyTorch's default).
        find_unused_parameters: let parameters get no gradient in a backward (they contribute zeros);
            otherwise that is an error naming them.

    Attributes:
        module: the wrapped model, so `state_dict()` keys begin with `module.`, as PyTorch's.
    """

    def __init__(self, module: Module, device_ids: list[int] | None = None, output_device: Any = None,
                 dim: int = 0, broadcast_buffers: bool | None = True, init_sync: bool = True,
                 process_group: Any = None, bucket_cap_mb: float | None = None,
                 find_unused_parameters: bool = False, **ignored: Any) -> None:  # fmt: skip
        super().__init__()
        if not isinstance(module, Module):
            raise TypeError(f"DistributedDataParallel: module must be a glassgrad nn.Module, got "
                            f"{type(module).__name__}")  # fmt: skip
        bucket_cap_mb = 25 if bucket_cap_mb is None else bucket_cap_mb
        if not bucket_cap_mb > 0:
            raise ValueError(f"DistributedDataParallel: bucket_cap_mb must be positive, got {bucket_cap_mb}")
        self.module = module
        self.broadcast_buffers = broadcast_buffers is not False
        group = resolve(process_group, "DistributedDataParallel")
        _check_device(group, module, device_ids)
        named = [(name, p) for name, p in module.named_parameters() if p.requires_grad]
        _check_same_parameters(group, module)
        if init_sync:
            _broadcast_from_rank0(group, [p for _, p in module.named_parameters()] + list(module.buffers()),
                                  "the parameters and buffers at construction")  # fmt: skip
        self.reducer = Reducer(named, group, int(bucket_cap_mb * 2**20), find_unused_parameters)

    def forward(self, *inputs: Any, **kwargs: Any) -> Any:
        self.reducer.prepare_for_backward()
        buffers = list(self.module.buffers())
        if self.broadcast_buffers and buffers:  # also inside no_sync(), as PyTorch
            _broadcast_from_rank0(self.reducer.group, buffers, "the buffers before forward")
        return self.module(*inputs, **kwargs)

    @contextlib.contextmanager
    def no_sync(self) -> Iterator[None]:
        """Backward inside accumulates gradients on this rank only; the next backward outside averages the sum."""
        previous = self.reducer.sync
        self.reducer.sync = False
        try:
            yield
        finally:
            self.reducer.sync = previous


def _check_device(group: ProcessGroup, module: Module, device_ids: list[int] | None) -> None:
    """The module is on the device the group's backend moves, and device_ids (if any) names this rank's GPU."""
    transport = group.transport
    if device_ids and transport.device_index is None:
        raise ValueError(f"DistributedDataParallel: device_ids={device_ids} is for GPU modules; with the "
                         f"'{transport.name}' backend the module is on the CPU: leave device_ids out")  # fmt: skip
    if device_ids and [gpu_index(d) for d in device_ids] != [transport.device_index]:
        raise ValueError(f"DistributedDataParallel: device_ids={device_ids}, but this rank's NCCL communicator "
                         f"uses cuda:{transport.device_index}: pass device_ids=[{transport.device_index}] or "
                         f"leave it out")  # fmt: skip
    for name, tensor in [*module.named_parameters(), *module.named_buffers()]:
        where = device_of(tensor.array).type
        if where != transport.device_type:
            fix = ".to('cuda')" if transport.device_type == "cuda" else ".cpu()"
            raise ValueError(f"DistributedDataParallel: {name} is on {where}, but the '{transport.name}' "
                             f"backend moves {transport.device_type} tensors: move the model with model{fix} "
                             f"first")  # fmt: skip


def _describe_parameters(module: Module) -> list[str]:
    """One line per parameter and buffer: name, shape, dtype (what must be equal on every rank)."""
    entries = [("parameter", n, t) for n, t in module.named_parameters()]
    entries += [("buffer", n, t) for n, t in module.named_buffers()]
    return [f"{kind} {name} {tuple(t.shape)} {t.array.dtype}" for kind, name, t in entries]


def _check_same_parameters(group: ProcessGroup, module: Module) -> None:
    """All ranks' models have the same parameter names, shapes and dtypes: a digest first, the lists on a mismatch."""
    lines = _describe_parameters(module)
    digest = int.from_bytes(hashlib.sha256("\n".join(lines).encode()).digest()[:8], "little", signed=True)
    mine = np.array([len(lines), digest], dtype=np.int64)
    everyone = np.empty((group.world_size, 2), dtype=np.int64)
    wait_for(group, [group.comm.Iallgather(mine, everyone)], "DistributedDataParallel's check of the parameters")
    if (everyone == everyone[0]).all():
        return
    all_lines = group.comm.allgather(lines)  # every rank saw the mismatch, so every rank takes part
    differences = []
    for rank, theirs in enumerate(all_lines[1:], start=1):
        only_0 = [line for line in all_lines[0] if line not in theirs]
        only_r = [line for line in theirs if line not in all_lines[0]]
        if only_0 or only_r:
            differences.append(f"rank 0 has [{'; '.join(only_0)}] where rank {rank} has [{'; '.join(only_r)}]")
    raise ValueError(f"DistributedDataParallel: the ranks' models differ: {'. '.join(differences)}. Build the same "
                     f"model on every rank.")  # fmt: skip


def _broadcast_from_rank0(group: ProcessGroup, tensors: list[Any], what: str) -> None:
    """Copy rank 0's values of `tensors` to every rank: one broadcast per dtype, of their arrays concatenated."""
    by_dtype: dict[Any, list[Any]] = {}
    for tensor in tensors:
        by_dtype.setdefault(tensor.array.dtype, []).append(tensor)
    for group_of_tensors in by_dtype.values():
        xp = namespace_of(group_of_tensors[0].array)
        flat = xp.concatenate([t.array.reshape(-1) for t in group_of_tensors])
        staged = flat.astype(xp.uint8) if flat.dtype == np.bool_ else flat  # bytes: bool as uint8 (neither has bool)
        pending = group.transport.broadcast(staged, 0)
        wait_until_done(group, pending, f"DistributedDataParallel's broadcast of {what}")
        start = 0
        for tensor in group_of_tensors:
            end = start + tensor.array.size
            write_back(tensor, staged[start:end].reshape(tensor.array.shape))
            start = end
