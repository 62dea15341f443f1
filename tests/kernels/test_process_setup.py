"""The process-wide settings glassgrad makes at import (glassgrad/_process_setup.py): each one recorded, each
switch proven in a fresh process, the version check in front of OpenBLAS's internal functions, and a warning
(once, naming its fix) when a fast path falls back, but not when the user chose the fallback."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import warnings
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

import glassgrad  # noqa: F401  (the import is what sets things up)
from glassgrad import _process_setup as setup
from glassgrad import kernels
from glassgrad.kernels import _numba

needs_numba = pytest.mark.skipif(not _numba.ENABLED, reason="Numba is not installed (or GLASSGRAD_NUMBA=0)")

# What a fresh process reports: the state of each setting, the kernels' threads, the spin OpenBLAS itself reports.
REPORT = """
import json, os
import glassgrad
from glassgrad import kernels, _process_setup as s
library = s.numpy_openblas()
print(json.dumps({
    "states": {key: setting.state for key, setting in s.SETTINGS.items()},
    "threads": kernels.threads(),
    "timeout": library.library.openblas_thread_timeout() if library is not None else None,
    "variable": os.environ.get("OPENBLAS_THREAD_TIMEOUT"),
    "malloc_tuned": s.MALLOC_TUNED,
}))
"""


def fresh(code: str, path_first: Path | None = None, **variables: str | None) -> subprocess.CompletedProcess:
    """`code` in a new interpreter with warnings shown, the environment changed by `variables` (None: unset)."""
    decided_here = ("GLASSGRAD_", "OPENBLAS_THREAD_TIMEOUT", "NUMBA_THREADING_LAYER")  # (this process set the 2nd)
    env = {k: v for k, v in os.environ.items() if not k.startswith(decided_here)}
    env.update({k: v for k, v in variables.items() if v is not None})
    env["PYTHONPATH"] = os.pathsep.join([*([str(path_first)] if path_first else []), *sys.path])
    done = subprocess.run([sys.executable, "-W", "default", "-c", code], capture_output=True, text=True, env=env,
                          timeout=300)  # fmt: skip
    assert done.returncode == 0, done.stderr
    return done


def report(numpy_first: bool = False, **variables: str | None) -> tuple[dict, str]:
    done = fresh(("import numpy\n" if numpy_first else "") + REPORT, **variables)
    return json.loads(done.stdout), done.stderr


def test_every_setting_is_recorded_with_a_documented_switch():
    assert list(setup.SETTINGS) == ["blas_timeout", "blas_restart", "malloc", "numba", "threading_layer",
                                    "kernel_threads"]  # fmt: skip
    for setting in setup.SETTINGS.values():
        assert setting.switch in setup.SWITCHES
        assert setting.state in (setup.APPLIED, setup.KEPT, setup.OFF, setup.NOT_NEEDED, setup.UNAVAILABLE,
                                 setup.FELL_BACK)  # fmt: skip
        assert setting.detail
    assert setup.__doc__ is not None and all(name in setup.__doc__ for name in setup.SWITCHES if "GLASSGRAD" in name)


def test_openblas_told_not_to_spin():
    assert os.environ["OPENBLAS_THREAD_TIMEOUT"]  # set before NumPy loaded OpenBLAS, or kept as the user set it


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="mallopt is glibc's")
def test_malloc_keeps_large_blocks():
    assert setup.MALLOC_TUNED and setup.SETTINGS["malloc"].state == setup.APPLIED
    assert str(setup.MMAP_THRESHOLD) in setup.SETTINGS["malloc"].detail


def test_malloc_left_alone_when_asked():
    result, stderr = report(GLASSGRAD_MALLOC="0")
    assert result["states"]["malloc"] == setup.OFF and result["malloc_tuned"] is False
    assert "FallbackWarning" not in stderr


def test_numpy_imported_first_gets_its_openblas_restarted():
    """`import numpy` before `import glassgrad`: NumPy's OpenBLAS is restarted with the short spin (read back
    from the library itself), and the kernels keep their threads; where that OpenBLAS cannot be restarted
    (other NumPy builds or OpenBLAS versions), the kernels stay on one thread and say so."""
    result, stderr = report(numpy_first=True)
    if result["states"]["blas_restart"] == setup.APPLIED:
        assert result["timeout"] == 4
        assert result["states"]["kernel_threads"] == setup.NOT_NEEDED
        assert "FallbackWarning" not in stderr
    else:
        assert result["states"]["blas_restart"] == setup.FELL_BACK
        assert result["threads"] in (1, None)  # None: Numba absent
        assert result["threads"] is None or "OPENBLAS_THREAD_TIMEOUT=4" in stderr


@needs_numba
def test_restart_switched_off_keeps_the_spin_and_one_kernel_thread_without_a_warning():
    result, stderr = report(numpy_first=True, GLASSGRAD_BLAS_RESTART="0")
    assert result["states"]["blas_restart"] == setup.OFF
    assert result["timeout"] in (0, None)  # OpenBLAS kept the default it loaded with
    assert result["threads"] == 1 and result["states"]["kernel_threads"] == setup.APPLIED
    assert "FallbackWarning" not in stderr


@needs_numba
def test_timeout_switched_off_leaves_the_variable_unset():
    result, stderr = report(GLASSGRAD_BLAS_TIMEOUT="0")
    assert result["states"]["blas_timeout"] == setup.OFF and result["variable"] is None
    assert result["timeout"] in (0, None) and result["threads"] == 1
    assert "FallbackWarning" not in stderr


def test_a_timeout_the_user_set_is_kept():
    result, stderr = report(numpy_first=True, OPENBLAS_THREAD_TIMEOUT="6")
    assert result["states"]["blas_timeout"] == setup.KEPT and result["variable"] == "6"
    assert result["states"]["blas_restart"] == setup.NOT_NEEDED  # OpenBLAS read it when NumPy loaded it
    assert result["timeout"] in (6, None)


@needs_numba
@pytest.mark.parametrize("variables, state, layer", [
    ({"GLASSGRAD_THREADING_LAYER": "0"}, setup.OFF, None),
    ({"NUMBA_THREADING_LAYER": "workqueue"}, setup.KEPT, "workqueue"),
])  # fmt: skip
def test_threading_layer_switches(variables, state, layer):
    code = (
        "import numpy as np, numba\nfrom glassgrad import _process_setup as s\nfrom glassgrad.kernels import relu\n"
        "relu.relu_forward(np.ones(8, np.float32))\n"
        "print(s.SETTINGS['threading_layer'].state + '|' + numba.threading_layer())"
    )
    chosen, running = fresh(code, **variables).stdout.strip().split("|")
    assert chosen == state
    assert layer is None or running == layer


# ---- OpenBLAS's internal functions only behind the version check ---------------------------------------------
class FakeLibrary:
    """Records the internal functions called on it; reports the timeout it was told to."""

    def __init__(self, timeout: int = 4):
        self.calls: list[str] = []
        for name in ("openblas_read_env", "blas_thread_shutdown_", "blas_thread_init"):
            setattr(self, name, lambda name=name: self.calls.append(name))
        self.openblas_thread_timeout = lambda: timeout


def fake_openblas(version: tuple[int, int, int] | None, timeout: int = 4) -> setup.OpenBLAS:
    config = "OpenBLAS " + ".".join(map(str, version)) if version else "a BLAS that does not say"
    return setup.OpenBLAS(FakeLibrary(timeout), "/fake/libopenblas.so", "a test", config, version, "", "")


@pytest.mark.parametrize("version, why", [
    (None, "version could not be read"),
    ((0, 4, 0), "not a version its internals were checked on"),
    ((0, 3, 20), "not a version its internals were checked on"),
])  # fmt: skip
def test_an_unchecked_openblas_version_is_not_restarted(monkeypatch, version, why):
    monkeypatch.setenv("OPENBLAS_THREAD_TIMEOUT", "4")
    blas = fake_openblas(version)
    setting = setup._restart_openblas(blas, needed=True)
    assert setting.state == setup.FELL_BACK and why in setting.detail
    assert blas.library.calls == []  # not one internal function was called


def test_a_checked_openblas_is_restarted_and_read_back(monkeypatch):
    monkeypatch.setenv("OPENBLAS_THREAD_TIMEOUT", "4")
    blas = fake_openblas((0, 3, 31))
    assert setup._restart_openblas(blas, needed=True).state == setup.APPLIED
    assert blas.library.calls == ["openblas_read_env", "blas_thread_shutdown_", "blas_thread_init"]
    stubborn = fake_openblas((0, 3, 31), timeout=0)  # restarted, but still on the default spin
    assert "reports timeout 0" in setup._restart_openblas(stubborn, needed=True).detail


def test_a_missing_internal_function_is_a_refusal():
    blas = fake_openblas((0, 3, 31))
    assert blas.refusal("openblas_read_env") is None
    assert "lacks openblas_set_num_threads_local" in blas.refusal("openblas_set_num_threads_local")


def test_numpys_openblas_is_found_and_checked():
    blas = setup.numpy_openblas()
    if blas is None:
        pytest.skip("NumPy here is not built on OpenBLAS")
    assert blas.config.startswith("OpenBLAS") and blas.version is not None
    assert blas.public("openblas_get_num_threads") is not None


# ---- warnings when a fast path falls back --------------------------------------------------------------------
def test_numba_failing_to_import_warns_once_but_not_when_chosen(tmp_path):
    broken = tmp_path / "numba"
    broken.mkdir()
    (broken / "__init__.py").write_text("raise ImportError('numba is broken (a test)')\n")
    code = "import glassgrad, glassgrad.kernels\nfrom glassgrad.kernels import _numba\nprint(_numba.ENABLED)"
    warned = fresh(code, path_first=tmp_path)
    assert warned.stdout.strip() == "False"
    assert warned.stderr.count("FallbackWarning") == 1
    assert "Numba could not be imported (ImportError: numba is broken (a test))" in warned.stderr
    assert "GLASSGRAD_NUMBA=0" in warned.stderr and "pip install numba" in warned.stderr
    chosen = fresh(code, path_first=tmp_path, GLASSGRAD_NUMBA="0")
    assert chosen.stdout.strip() == "False" and "Warning" not in chosen.stderr


def test_tbb_missing_warns_and_uses_workqueue(monkeypatch):
    monkeypatch.delenv("NUMBA_THREADING_LAYER", raising=False)
    monkeypatch.delenv("GLASSGRAD_THREADING_LAYER", raising=False)
    monkeypatch.setattr(setup, "_load_tbb", lambda: "no libtbb.so.12 in /nowhere")
    numba = SimpleNamespace(config=SimpleNamespace(THREADING_LAYER="default"))
    with pytest.warns(setup.FallbackWarning, match="NUMBA_THREADING_LAYER=workqueue") as caught:
        setting = setup._choose_threading_layer(numba)
    assert "no libtbb.so.12 in /nowhere" in str(caught[0].message) and "pip install tbb" in str(caught[0].message)
    assert numba.config.THREADING_LAYER == "workqueue"
    assert setting.state == setup.FELL_BACK and "workqueue" in setting.detail


def test_spinning_openblas_warns_that_the_kernels_use_one_thread_unless_chosen():
    counts = []
    numba = SimpleNamespace(set_num_threads=counts.append, config=SimpleNamespace(NUMBA_NUM_THREADS=2))
    with pytest.warns(setup.FallbackWarning, match="one thread.*OPENBLAS_THREAD_TIMEOUT=4"):
        setting = setup._limit_kernel_threads(numba, "its OpenBLAS was not restarted: a test", chosen=False)
    assert counts == [1] and setting.state == setup.FELL_BACK
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        setting = setup._limit_kernel_threads(numba, "GLASSGRAD_BLAS_TIMEOUT=0", chosen=True)
    assert not caught and setting.state == setup.APPLIED and counts == [1, 1]


# ---- the kernels' pool -----------------------------------------------------------------------------------------
@needs_numba
def test_kernels_never_on_openmp():
    import numba

    from glassgrad.kernels import relu

    relu.relu_forward(np.ones(8, dtype=np.float32))  # starts the pool
    assert numba.threading_layer() in ("tbb", "workqueue")  # OpenMP's spinning pool fights PyTorch's


@needs_numba
def test_set_threads():
    before = kernels.threads()
    try:
        assert kernels.set_threads(1) and kernels.threads() == 1
    finally:
        kernels.set_threads(before)
