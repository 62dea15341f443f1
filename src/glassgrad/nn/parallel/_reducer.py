"""The gradient buckets of DistributedDataParallel, and their all-reduces.

Parameters go into buckets in reverse registration order (PyTorch's choice: backward produces the last
layer's gradients first), one dtype per bucket, each up to `bucket_cap_mb`. A post-accumulate hook on each
parameter counts its bucket's ready gradients; when the last one arrives, the bucket's gradients are copied
into one flat buffer, scaled by 1/world_size, and its non-blocking all-reduce starts through the group's
transport (MPI's Iallreduce on a NumPy buffer; for 'nccl', ncclAllReduce on a CuPy buffer on the GPU), so a
full bucket travels while backward still computes the others. A callback at the end of backward (the engine's
queue_callback) starts any bucket left, waits for them all and writes the averages back into `.grad`: by the time
`loss.backward()` returns, every rank holds the same averaged gradients, before any `optimizer.step()`.

glassgrad's engine hands a leaf its gradient (and runs its post-accumulate hooks) as soon as the last node that
contributes to it has run (engine.py, step 4), so the last layers' buckets are all-reduced while backward still
runs the layers below them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ...autograd import engine
from ...autograd.tensor_factory import make_tensor
from ...backend.device import namespace_of
from ...distributed.process_group import ProcessGroup
from ...distributed.reduce_op import ReduceOp
from ...distributed.work import Work


@dataclass
class Bucket:
    """Parameters whose gradients are all-reduced together, in one flat buffer of their dtype."""

    names: list[str]
    params: list[Any]
    offsets: list[int]  # where each parameter's gradient starts in the flat buffer
    flat: Any  # on the parameters' device: a NumPy array ('mpi'), a CuPy array ('nccl')
    ready: set[int] = field(default_factory=set)  # ids of the parameters whose gradient this backward delivered
    work: Work | None = None


def build_buckets(named_params: list[tuple[str, Any]], cap_bytes: int) -> list[Bucket]:
    """Buckets in reverse parameter order, a new one at each dtype change or once `cap_bytes` is passed."""
    buckets: list[Bucket] = []
    names: list[str] = []
    params: list[Any] = []
    size = 0
    for name, param in reversed(named_params):
        dtype = param.array.dtype
        if params and (params[-1].array.dtype != dtype or size * dtype.itemsize >= cap_bytes):
            buckets.append(_bucket(names, params))
            names, params, size = [], [], 0
        names.append(name)
        params.append(param)
        size += param.array.size
    if params:
        buckets.append(_bucket(names, params))
    return buckets


def _bucket(names: list[str], params: list[Any]) -> Bucket:
    offsets = np.cumsum([0] + [p.array.size for p in params]).tolist()
    xp = namespace_of(params[0].array)
    return Bucket(list(names), list(params), offsets, xp.zeros(offsets[-1], dtype=params[0].array.dtype))


class Reducer:
    """Averages the gradients of `named_params` across the group's ranks during each synced backward."""

    def __init__(self, named_params: list[tuple[str, Any]], group: ProcessGroup, cap_bytes: int,
                 find_unused_parameters: bool) -> None:  # fmt: skip
        self.group = group
        self.buckets = build_buckets(named_params, cap_bytes)
        self.find_unused_parameters = find_unused_parameters
        self.sync = True  # False inside DistributedDataParallel.no_sync()
        self._backward_started = False
        self._where = {id(p): (bucket, index) for bucket in self.buckets for index, p in enumerate(bucket.params)}
        self._handles = [p.register_post_accumulate_grad_hook(self._grad_ready) for b in self.buckets for p in b.params]

    def prepare_for_backward(self) -> None:
        """Forget what a backward that raised midway left behind (ready counts, buckets not waited for)."""
        if self._backward_started or any(bucket.ready or bucket.work for bucket in self.buckets):
            self._backward_started = False
            for bucket in self.buckets:
                bucket.ready.clear()
                bucket.work = None

    def _grad_ready(self, param: Any) -> None:
        """A post-accumulate hook: `param.grad` holds this backward's total; start its bucket when it is full."""
        if not self.sync:
            return
        if not self._backward_started:
            self._backward_started = True
            engine.queue_callback(self._finish_backward)
        bucket, _ = self._where[id(param)]
        bucket.ready.add(id(param))
        if len(bucket.ready) == len(bucket.params):
            self._start(bucket)

    def _start(self, bucket: Bucket) -> None:
        scale = 1.0 / self.group.world_size  # averaged as PyTorch does: each rank's share divided before the sum
        xp = namespace_of(bucket.flat)
        for param, start, end in zip(bucket.params, bucket.offsets, bucket.offsets[1:]):
            if id(param) in bucket.ready:
                xp.multiply(param.grad.array.reshape(-1), scale, out=bucket.flat[start:end])
            else:  # find_unused_parameters: an unused parameter adds zeros
                bucket.flat[start:end] = 0
        pending = self.group.transport.all_reduce(bucket.flat, ReduceOp.SUM)
        what = f"DistributedDataParallel's all-reduce of the gradients of {', '.join(bucket.names)}"
        bucket.work = Work(self.group, pending, what, lambda: self._write_back(bucket))

    def _write_back(self, bucket: Bucket) -> None:
        for param, start, end in zip(bucket.params, bucket.offsets, bucket.offsets[1:]):
            average = bucket.flat[start:end].reshape(param.array.shape)
            if param.grad is None:
                param.grad = make_tensor(average.copy())
            else:
                param.grad.array[...] = average

    def _finish_backward(self) -> None:
        """At the end of backward: start what is left (unused parameters), then wait for every bucket."""
        self._backward_started = False
        try:
            for bucket in self.buckets:
                if bucket.work is None:
                    self._check_unused(bucket)
                    self._start(bucket)
            for bucket in self.buckets:
                bucket.work.wait()
        finally:
            for bucket in self.buckets:
                bucket.ready.clear()
                bucket.work = None

    def _check_unused(self, bucket: Bucket) -> None:
        if self.find_unused_parameters:
            return
        unused = [name for name, p in zip(bucket.names, bucket.params) if id(p) not in bucket.ready]
        if unused:
            raise RuntimeError(
                f"DistributedDataParallel: parameters received no gradient in this backward: {', '.join(unused)}. "
                f"Make every parameter take part in the loss, or construct DistributedDataParallel(..., "
                f"find_unused_parameters=True) (unused parameters then contribute zeros)."
            )

    def remove_hooks(self) -> None:
        for handle in self._handles:
            handle.remove()
