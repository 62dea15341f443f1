"""backend='nccl' on one GPU: one rank through `glassgrad launch`, running the collectives and DDP scripts of the
'mpi' tests (ranks/collectives.py, ranks/ddp.py) on CUDA tensors against NumPy's results.

Skipped without CuPy and a GPU. Two ranks under NCCL (test_collectives.py, test_ddp.py, parametrized by
backend) need two GPUs. None of these has run on a GPU yet: no machine with one was at hand when they were
written (src/glassgrad/distributed/README.md says so too).
"""

import pytest

from ._launch import launch, needs_gpu, needs_mpi, results

pytestmark = [needs_mpi, needs_gpu]


def _one_rank(script: str, out) -> dict:
    status, output, seconds = launch(script, out, "nccl", nproc=1, timeout=300)
    assert status == 0, output
    return results(out, nproc=1)[0]


@pytest.fixture(scope="module")
def collectives(tmp_path_factory):
    return _one_rank("collectives.py", tmp_path_factory.mktemp("nccl-collectives"))


@pytest.fixture(scope="module")
def ddp(tmp_path_factory):
    return _one_rank("ddp.py", tmp_path_factory.mktemp("nccl-ddp"))


def test_the_group_runs_on_nccl(collectives):
    assert collectives["backend"] == "nccl" and collectives["transport"] == "NcclTransport"
    assert collectives["world"] == 1 and not collectives["initialized_after_destroy"]


def test_every_collective_matches_numpy(collectives):
    wrong = [case for case in collectives["cases"] if not case["ok"]]
    assert not wrong, wrong[:3]
    names = {case["name"] for case in collectives["cases"]}
    for dtype in ("float32", "float64", "int64"):
        for shape in ("(3,)", "(2, 3)", "(0,)"):  # (0,): an empty tensor moves nothing, and still completes
            assert {f"all_reduce SUM {dtype} {shape}", f"broadcast {dtype} {shape}", f"all_gather {dtype} {shape}",
                    f"reduce_scatter {dtype} {shape}"} <= names  # fmt: skip
        assert f"all_reduce MAX {dtype} (3,)" in names and f"all_reduce MIN {dtype} (3,)" in names
    assert {"all_reduce AVG float32 (3,)", "all_reduce AVG float64 (2, 3)"} <= names


def test_async_work_waits_on_the_cuda_event(collectives):
    assert collectives["async_completed"]
    assert any(case["name"] == "async all_reduce" and case["ok"] for case in collectives["cases"])


def test_a_cpu_tensor_is_refused_naming_the_op_device_and_fix(collectives):
    message = collectives["wrong_device"]
    assert message is not None
    assert "all_reduce: the tensor is on cpu, but the 'nccl' backend moves CUDA tensors only" in message
    assert ".cuda()" in message


@pytest.mark.parametrize("dtype, tolerance", [("float64", 1e-6), ("float32", 1e-5)])
def test_ddp_on_cuda_matches_one_process(ddp, dtype, tolerance):
    assert ddp[dtype]["bucket_arrays"] == ["cupy"] and ddp[dtype]["buckets"] > 1
    assert ddp[dtype]["gradient"] <= tolerance and ddp[dtype]["parameters"] <= tolerance
    assert ddp["no_sync"] <= 1e-6 and ddp["shared"] <= 1e-6
