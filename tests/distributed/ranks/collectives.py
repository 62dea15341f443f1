"""Rank script: each collective on several dtypes and shapes (empty included); each rank writes what it got.

Arguments: OUT [BACKEND]: 'mpi' (the default) on CPU tensors, or 'nccl' on CUDA tensors (tests/distributed/
test_nccl.py), with the same cases and the same NumPy references.
"""

import json
import sys
from pathlib import Path

import numpy as np

import glassgrad as gg
import glassgrad.distributed as dist

out = Path(sys.argv[1])
backend = sys.argv[2] if len(sys.argv) > 2 else "mpi"
device = "cuda" if backend == "nccl" else "cpu"
dist.init_process_group(backend=backend)
rank, world = dist.get_rank(), dist.get_world_size()
report: dict = {"rank": rank, "world": world, "backend": dist.get_backend(), "cases": []}


def on_device(array: np.ndarray) -> gg.Tensor:
    return gg.from_numpy(array).to(device)


def host(tensor: gg.Tensor) -> np.ndarray:
    return tensor.cpu().numpy()


def data(r: int, shape: tuple, dtype: str) -> np.ndarray:
    """Rank r's input: known to every rank, so each can compute the expected result with NumPy."""
    values = np.arange(int(np.prod(shape)), dtype=np.float64).reshape(shape) + 3 * r + 1
    if dtype == "bool":
        return np.asarray((values.astype(np.int64) + r) % 2 == 0)
    return np.asarray(values.astype(dtype))


def record(name: str, got: np.ndarray, expected: np.ndarray) -> None:
    same = got.dtype == expected.dtype and got.shape == expected.shape and np.allclose(got, expected, rtol=1e-3)
    report["cases"].append({"name": name, "ok": bool(same), "got": got.tolist(), "expected": expected.tolist()})


reductions = {dist.ReduceOp.SUM: np.sum, dist.ReduceOp.PRODUCT: np.prod, dist.ReduceOp.MIN: np.min,
              dist.ReduceOp.MAX: np.max, dist.ReduceOp.AVG: np.mean}  # fmt: skip
for dtype in ("float32", "float64", "float16", "int64", "int32", "uint8", "bool"):
    for shape in ((3,), (2, 3), (0,), (2, 0, 4), ()):
        inputs = np.stack([data(r, shape, dtype) for r in range(world)])
        for op, numpy_op in reductions.items():
            if op is dist.ReduceOp.AVG and dtype in ("int64", "int32", "uint8", "bool"):
                continue
            tensor = on_device(data(rank, shape, dtype).copy())
            dist.all_reduce(tensor, op=op)
            if dtype == "bool":
                expected = (np.any if op in (dist.ReduceOp.SUM, dist.ReduceOp.MAX) else np.all)(inputs, axis=0)
            else:
                expected = np.asarray(numpy_op(inputs.astype(np.float64), axis=0).astype(dtype))
            record(f"all_reduce {op.name} {dtype} {shape}", host(tensor), expected)
        tensor = on_device(data(rank, shape, dtype).copy())
        dist.broadcast(tensor, src=world - 1)
        record(f"broadcast {dtype} {shape}", host(tensor), inputs[world - 1])
        outputs = [on_device(np.zeros(shape, dtype)) for _ in range(world)]
        dist.all_gather(outputs, on_device(data(rank, shape, dtype)))
        record(f"all_gather {dtype} {shape}", np.stack([host(o) for o in outputs]), inputs)
        if shape:
            whole = on_device(np.zeros((world * shape[0], *shape[1:]), dtype))
            dist.all_gather_into_tensor(whole, on_device(data(rank, shape, dtype)))
            record(f"all_gather_into_tensor {dtype} {shape}", host(whole), np.concatenate(list(inputs)))
        if dtype != "bool":
            parts = [on_device(np.asarray(data(rank, shape, dtype) * (i + 1))) for i in range(world)]
            output = on_device(np.zeros(shape, dtype))
            dist.reduce_scatter(output, parts, op=dist.ReduceOp.SUM)
            expected = np.asarray(sum(data(r, shape, dtype).astype(np.float64) * (rank + 1) for r in range(world)))
            expected = expected.astype(dtype)
            record(f"reduce_scatter {dtype} {shape}", host(output), expected)

# async: start, check, wait; the result appears only once wait() returns
tensor = on_device(np.full(1000, rank + 1.0))
work = dist.all_reduce(tensor, op=dist.ReduceOp.SUM, async_op=True)
work.wait()
record("async all_reduce", host(tensor), np.full(1000, sum(r + 1.0 for r in range(world))))
report["async_completed"] = work.is_completed()
dist.barrier()

# under nccl, a CPU tensor: the error naming the op, the device and the fix (on every rank, before any transfer)
report["wrong_device"] = None
if device == "cuda":
    try:
        dist.all_reduce(gg.ones(2))
    except TypeError as error:
        report["wrong_device"] = str(error)
report["transport"] = type(dist.process_group.default_group().transport).__name__

# a shape mismatch across ranks: every rank raises, naming each rank's shape; the group stays usable
try:
    dist.all_reduce(gg.ones(3 + rank, device=device))
    report["mismatch"] = None
except ValueError as error:
    report["mismatch"] = str(error)
after = gg.ones(2, device=device)
dist.all_reduce(after)
record("all_reduce after a mismatch", host(after), np.full(2, float(world), np.float32))

# the cost of the cross-rank check: all_reduce of 10 floats with and without it (seconds per call)
import time  # noqa: E402

from glassgrad.distributed import collectives  # noqa: E402

small = gg.ones(10, device=device)
for label in ("with_check", "without_check"):
    if label == "without_check":
        collectives.check_same_on_all_ranks = lambda *args: None
    dist.barrier()
    started = time.perf_counter()
    for _ in range(200):
        dist.all_reduce(small)
    report[label] = (time.perf_counter() - started) / 200
dist.destroy_process_group()
report["initialized_after_destroy"] = dist.is_initialized()
(out / f"rank{rank}.json").write_text(json.dumps(report))
