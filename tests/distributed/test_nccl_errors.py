"""backend='nccl' without a GPU: what is refused and how, which transport a backend gets, and the NCCL
transport's own logic (device choice, one GPU per rank, AVG, an aborted communicator on a timeout).

These run on any machine. CuPy's absence is real here or simulated by hiding it from the import system; a
CuPy without a GPU or without NCCL is simulated by stand-in modules in sys.modules. The NCCL transport itself
is the real class, given stand-ins for CuPy's NCCL module and communicator where a GPU would be needed.
"""

import datetime
import os
import socket
import sys
import types

import numpy as np
import pytest

import glassgrad as gg
import glassgrad.distributed as dist
from glassgrad import cuda
from glassgrad.distributed import _buffers, process_group, work
from glassgrad.distributed._mpi_transport import MpiTransport
from glassgrad.distributed._nccl_transport import (
    AVG_SINCE,
    CudaEvent,
    NcclTransport,
    check_one_gpu_per_rank,
    choose_device,
)
from glassgrad.distributed._transport import transport_for
from glassgrad.nn.parallel import DistributedDataParallel

from ._launch import launch, needs_mpi, results


def _fake_cupy(devices):
    """A stand-in for CuPy whose CUDA runtime reports `devices` GPUs (an exception: none can be used)."""

    def count():
        if isinstance(devices, Exception):
            raise devices
        return devices

    return types.SimpleNamespace(cuda=types.SimpleNamespace(runtime=types.SimpleNamespace(getDeviceCount=count)))


def test_nccl_without_cupy_names_the_extra_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "cupy", None)  # `import cupy` raises ImportError, as where it is not installed
    with pytest.raises(dist.NCCLUnavailableError, match=r'needs CuPy, which is not installed .*pip install '
                                                        r'"glassgrad\[cuda\]"'):  # fmt: skip
        dist.init_process_group(backend="nccl")
    assert not dist.is_initialized()
    assert not dist.is_nccl_available()


@pytest.mark.parametrize("devices, why", [(RuntimeError("cudaErrorNoDevice: no CUDA-capable device is detected"),
                                           "CUDA says: cudaErrorNoDevice"), (0, "CUDA sees no device")])
def test_cupy_without_a_gpu_says_there_is_no_gpu(monkeypatch, devices, why):
    monkeypatch.setitem(sys.modules, "cupy", _fake_cupy(devices))
    with pytest.raises(dist.NCCLUnavailableError, match=f"CuPy is installed, but there is no GPU to use \\({why}"):
        dist.init_process_group(backend="nccl", timeout=datetime.timedelta(seconds=5))
    assert not dist.is_initialized()


@pytest.mark.parametrize("nccl_module", [None, types.SimpleNamespace(available=False)])
def test_cupy_and_a_gpu_without_nccl_says_nccl_is_missing(monkeypatch, nccl_module):
    monkeypatch.setitem(sys.modules, "cupy", _fake_cupy(2))
    monkeypatch.setitem(sys.modules, "cupy.cuda.nccl", nccl_module)  # None: the import fails; else: libnccl not loaded
    with pytest.raises(dist.NCCLUnavailableError, match=r"CuPy and 2 GPU\(s\) are here, but not the NCCL library .*"
                                                        r"pip install nvidia-nccl-cu12"):  # fmt: skip
        dist.init_process_group(backend="nccl")
    assert not dist.is_nccl_available()


def test_each_backend_gets_its_transport(monkeypatch):
    assert isinstance(transport_for("mpi", object(), 0, None), MpiTransport)  # no MPI call until a collective
    monkeypatch.setitem(sys.modules, "cupy", None)
    with pytest.raises(dist.NCCLUnavailableError, match="needs CuPy"):  # 'nccl' goes to NCCL's bootstrap
        transport_for("nccl", object(), 0, None)


# ---- a group whose transport is the real NCCL class over stand-ins for CuPy's NCCL module and communicator ----
class FakeCommunicator:
    def __init__(self):
        self.aborted = self.destroyed = False

    def abort(self):
        self.aborted = True

    def destroy(self):
        self.destroyed = True


def _nccl_module(version):
    return types.SimpleNamespace(get_version=lambda: version, NCCL_SUM=0, NCCL_PROD=1, NCCL_MAX=2, NCCL_MIN=3,
                                 NCCL_AVG=4)  # fmt: skip


@pytest.fixture
def nccl_group(monkeypatch):
    """The default group, as init_process_group(backend='nccl') would make it on rank 0 of 1, on cuda:0."""
    transport = NcclTransport(cupy=None, nccl=_nccl_module(23203), communicator=FakeCommunicator(), device_index=0)
    peers = [process_group.Peer(0, os.getpid(), socket.gethostname())]
    group = process_group.ProcessGroup(None, 0, 1, 0, 5.0, peers, transport, "nccl")
    monkeypatch.setattr(process_group, "_default_group", group)
    monkeypatch.setattr(work, "abort_at_exit", lambda: None)  # no MPI job to abort at the end of this process
    return group


@pytest.mark.parametrize("name, call", [
    ("all_reduce", lambda t: dist.all_reduce(t)), ("broadcast", lambda t: dist.broadcast(t, src=0)),
    ("all_gather", lambda t: dist.all_gather([gg.zeros(3)], t)),
    ("reduce_scatter_tensor", lambda t: dist.reduce_scatter_tensor(gg.zeros(3), t))])  # fmt: skip
def test_a_cpu_tensor_under_nccl_names_the_op_the_device_and_the_fix(nccl_group, name, call):
    with pytest.raises(TypeError, match=f"{name}: the tensor is on cpu, but the 'nccl' backend moves CUDA tensors "
                                        r"only \(no backend type associated with device type cpu\): move it with "
                                        r"\.cuda\(\)"):  # fmt: skip
        call(gg.ones(3))
    assert nccl_group.collectives_run == 0  # refused before any rank was asked to take part


def test_a_cpu_model_under_nccl_is_refused_by_ddp(nccl_group):
    with pytest.raises(ValueError, match=r"DistributedDataParallel: weight is on cpu, but the 'nccl' backend moves "
                                         r"cuda tensors: move the model with model\.to\('cuda'\)"):  # fmt: skip
        DistributedDataParallel(gg.nn.Linear(3, 2))
    with pytest.raises(ValueError, match=r"device_ids=\[1\], but this rank's NCCL communicator uses cuda:0"):
        DistributedDataParallel(gg.nn.Linear(3, 2), device_ids=[1])


def test_a_timed_out_wait_aborts_the_nccl_communicator_naming_the_collective(nccl_group):
    never = CudaEvent(types.SimpleNamespace(done=False), buffers=())
    handle = dist.Work(nccl_group, never, "all_reduce #7 of shape (3,), float32 on rank 0 of 1", None)
    assert not handle.is_completed()
    with pytest.raises(dist.DistBackendError, match=r"rank 0: all_reduce #7 of shape \(3,\), float32 on rank 0 of "
                                                    r"1: timed out after 0\.[1-9] s"):  # fmt: skip
        handle.wait(timeout=datetime.timedelta(seconds=0.1))
    assert nccl_group.transport.comm.aborted and nccl_group.broken
    dist.destroy_process_group()  # a broken group is left without touching the aborted communicator
    assert not nccl_group.transport.comm.destroyed


def test_a_finished_event_completes_the_work_and_lets_its_buffers_go(nccl_group):
    event = types.SimpleNamespace(done=False)
    pending = CudaEvent(event, buffers=(np.zeros(3),))
    finished = []
    handle = dist.Work(nccl_group, pending, "broadcast #1", lambda: finished.append(True))
    assert not handle.is_completed() and pending._buffers
    event.done = True
    assert handle.wait() and finished == [True] and pending._buffers == ()


@pytest.mark.parametrize("version, averages", [(AVG_SINCE - 100, False), (AVG_SINCE, True)])
def test_avg_is_ncclavg_where_nccl_has_it_else_sum_then_divide(version, averages):
    transport = NcclTransport(cupy=None, nccl=_nccl_module(version), communicator=None, device_index=0)
    assert transport.averages is averages
    assert transport._op(dist.ReduceOp.AVG) == (4 if averages else 0)
    summed = np.array([2.0, 4.0])
    _buffers.averaged(summed, dist.ReduceOp.AVG, 2, transport)
    assert summed.tolist() == ([2.0, 4.0] if averages else [1.0, 2.0])  # NCCL's AVG already divided


def test_each_rank_picks_device_id_else_set_device_else_local_rank_modulo_count(monkeypatch):
    cupy = _fake_cupy(2)
    monkeypatch.setattr(cuda, "_set_device_index", None)
    assert choose_device(cupy, 3, None) == 1  # LOCAL_RANK 3 on 2 GPUs
    assert choose_device(cupy, 3, "cuda:0") == 0 and choose_device(cupy, 0, 1) == 1
    monkeypatch.setattr(cuda, "_set_device_index", 0)  # the script called torch.cuda.set_device(0)
    assert choose_device(cupy, 1, None) == 0
    with pytest.raises(ValueError, match=r"device cuda:2 does not exist: this host has 2 GPU\(s\)"):
        choose_device(cupy, 0, 2)
    with pytest.raises(ValueError, match="device_id='cpu' is not a GPU"):
        choose_device(cupy, 0, "cpu")


def test_two_ranks_on_one_gpu_are_refused_naming_them():
    check_one_gpu_per_rank([("a", 0, None), ("a", 1, None), ("b", 0, None)])  # one GPU per rank on each host
    with pytest.raises(ValueError, match="ranks 0 and 2 would both use cuda:1 on host a, and NCCL needs one GPU "
                                         "per rank"):  # fmt: skip
        check_one_gpu_per_rank([("a", 1, None), ("b", 1, None), ("a", 1, None)])
    with pytest.raises(ValueError, match="not every rank could select its GPU: rank 1: device cuda:5 does not"):
        check_one_gpu_per_rank([("a", 0, None), ("a", None, "device cuda:5 does not exist")])


@needs_mpi
def test_every_collective_and_ddp_go_through_the_groups_transport(tmp_path):
    status, output, seconds = launch("transport_seam.py", tmp_path, nproc=1)
    assert status == 0, output
    report = results(tmp_path, nproc=1)[0]
    assert report["transport"] == "MpiTransport" and report["backend"] == "mpi"  # 'gloo' is served by MPI
    assert report["collectives"] == ["all_reduce", "broadcast", "all_gather", "all_gather", "reduce_scatter",
                                     "reduce_scatter", "barrier"]  # fmt: skip
    assert report["values"] == [[2.0] * 3, [2.0] * 3, [1.0] * 3]
    # DDP: rank 0's parameters broadcast at construction, then one all-reduce per bucket in backward
    assert report["ddp"] == ["broadcast"] + ["all_reduce"] * report["ddp_buckets"] and report["ddp_buckets"] == 2
    assert report["weight_grad"] == report["expected_weight_grad"]


@needs_mpi
def test_the_nccl_bootstrap_over_two_mpi_ranks(tmp_path):
    """Two real MPI ranks, stand-ins for CuPy and NCCL (ranks/nccl_bootstrap.py)."""
    status, output, seconds = launch("nccl_bootstrap.py", tmp_path)
    assert status == 0, output
    ranks = results(tmp_path)
    assert [r["backend"] for r in ranks] == ["nccl", "nccl"]
    assert [r["device_index"] for r in ranks] == [0, 1]  # LOCAL_RANK % 2 GPUs
    first = [r["joined"][0] for r in ranks]
    assert [j[0] for j in first] == [2, 2] and [j[2] for j in first] == [0, 1]
    assert first[0][1] == first[1][1]  # rank 0's unique id reached rank 1 (digests compared)
    assert all(r["destroyed"] for r in ranks)  # destroy_process_group destroyed the communicator
    for r in ranks:  # one GPU, two ranks: the same error on both, before NCCL is asked
        assert r["used"] == [r["rank"], 0]
        assert "ranks 0 and 1 would both use cuda:0" in r["one_gpu"] and not r["initialized_after_refusal"]
        assert len(r["joined"]) == 1
