"""Bad input that needs no second process: a collective before init, missing MPI, --nproc beyond the cores."""

import datetime

import pytest

import glassgrad as gg
import glassgrad.distributed as dist
from glassgrad.distributed import _mpi, launch


@pytest.mark.parametrize("call", [lambda: dist.all_reduce(gg.ones(2)), lambda: dist.broadcast(gg.ones(2), 0),
                                  lambda: dist.barrier(), lambda: dist.get_rank(), lambda: dist.get_world_size()])
def test_a_collective_before_init_process_group_is_pytorchs_error(call):
    assert not dist.is_initialized()
    with pytest.raises(ValueError, match="Default process group has not been initialized, please make sure to call "
                                         "init_process_group"):  # fmt: skip
        call()


def test_missing_mpi_names_the_package_to_install(monkeypatch):
    import builtins

    real_import = builtins.__import__

    def no_mpi4py(name, *args, **kwargs):
        if name.startswith("mpi4py"):
            raise ImportError("No module named 'mpi4py'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_mpi4py)
    _mpi.mpi.cache_clear()
    try:
        assert not dist.is_available()
        with pytest.raises(dist.MPIUnavailableError, match=r"pip install glassgrad\[distributed\]"):
            dist.init_process_group(backend="mpi")
    finally:
        _mpi.mpi.cache_clear()


def test_bad_backend_and_timeout_are_refused_before_mpi_is_touched():
    with pytest.raises(ValueError, match="invalid backend 'tcp'. glassgrad's backends: 'mpi' .*'gloo' .*'nccl'"):
        dist.init_process_group(backend="tcp")
    with pytest.raises(TypeError, match="timeout must be a datetime.timedelta"):
        dist.init_process_group(timeout=5)
    with pytest.raises(ValueError, match="timeout must be positive"):
        dist.init_process_group(timeout=datetime.timedelta(0))


def test_more_ranks_than_cores_warns_and_gives_each_one_thread(monkeypatch, tmp_path):
    for variable in launch.THREAD_VARIABLES:
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setattr(launch, "cores", lambda: 2)
    with pytest.warns(launch.OversubscriptionWarning, match="--nproc 3 is more than the 2 cores.*oversubscribe"):
        env = launch.rank_environment(3, str(tmp_path))
    assert all(env[variable] == "1" for variable in launch.THREAD_VARIABLES)
    env = launch.rank_environment(1, str(tmp_path))
    assert env["OMP_NUM_THREADS"] == "2" and env["NUMBA_NUM_THREADS"] == "2"


@pytest.mark.parametrize("argv, message", [([], "--nproc N is required"), (["--nproc", "0", "x.py"], "at least 1"),
                                           (["--nproc", "two", "x.py"], "whole number"),
                                           (["--nproc", "2"], "SCRIPT is missing"), (["--bogus", "x.py"], "unknown")])
def test_launcher_usage_errors_are_one_line_status_2(argv, message, capsys):
    assert launch.main(argv) == 2
    assert message in capsys.readouterr().err


def test_worst_rank_status_is_the_launchers_with_a_line_per_failed_rank(capsys):
    assert launch._report([0, 3], 3) == 3
    assert "rank 1 exited with status 3" in capsys.readouterr().err
    assert launch._report([0, 0], 0) == 0
    assert launch._report([1, 137], 1) == 137
    lines = capsys.readouterr().err
    assert "rank 0 exited with status 1" in lines
    assert "rank 1 was killed by signal 9 (SIGKILL)" in lines
    assert launch._report([0, launch.NO_STATUS], 9) == 9
    assert "rank 1 ended without an exit status" in capsys.readouterr().err


def test_launch_without_mpiexec_names_the_package_to_install(monkeypatch, capsys):
    def missing():
        raise dist.MPIUnavailableError(f"glassgrad launch needs mpiexec, and none is installed. Install it with: "
                                       f"{_mpi.INSTALL}")  # fmt: skip

    monkeypatch.setattr(launch, "mpiexec", missing)
    assert launch.main(["--nproc", "2", "script.py"]) == 2
    assert "pip install glassgrad[distributed]" in capsys.readouterr().err
