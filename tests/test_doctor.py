"""`glassgrad doctor` and `glassgrad.doctor()`: what the process runs on and what glassgrad changed in it."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys

import pytest

import glassgrad
from glassgrad import _process_setup as setup
from glassgrad import doctor_report
from glassgrad.cli import main
from glassgrad.kernels import _numba, registry


@pytest.fixture(scope="module")
def report() -> doctor_report.DoctorReport:
    return glassgrad.doctor()


def test_doctor_is_exported(report):
    assert glassgrad.doctor is doctor_report.doctor
    assert isinstance(report, doctor_report.DoctorReport)


def test_report_holds_versions_blas_kernels_malloc(report):
    import numpy as np

    assert report.versions["glassgrad"] == glassgrad.__version__ and report.versions["NumPy"] == np.__version__
    assert set(report.blas) >= {"name", "version", "library", "configuration", "threads", "spin_timeout", "internals"}
    if report.blas["library"] is not None:  # NumPy on OpenBLAS (its wheels)
        assert report.blas["configuration"].startswith("OpenBLAS") and report.blas["threads"] >= 1
        assert os.path.exists(report.blas["library"])
    assert report.kernels["on"] is _numba.ENABLED
    if _numba.ENABLED:
        assert report.kernels["thread_pool"] in ("tbb", "workqueue", "omp") and report.kernels["threads"] >= 1
    assert report.malloc["tuned"] is setup.MALLOC_TUNED
    assert (report.malloc["mmap_threshold"] == setup.MMAP_THRESHOLD) is setup.MALLOC_TUNED


def test_report_lists_every_setting_switch_and_fast_path(report):
    assert report.settings == list(setup.SETTINGS.values())
    assert set(report.switches) == set(setup.SWITCHES)
    kernels = {entry.name: entry.kernel for entry in registry.entries()}
    assert set(report.fast_paths) == set(kernels)
    for name, kernel in kernels.items():
        expected = "reference only" if kernel is None else f"{kernel.__module__}.{kernel.__qualname__}"
        assert report.fast_paths[name] == expected
    assert report.fast_paths["relu_forward"] == "glassgrad.kernels.relu.relu_forward"


def test_a_name_without_a_kernel_is_reference_only(monkeypatch):
    monkeypatch.setitem(registry._ENTRIES, "only_math", registry.Entry("only_math", reference=lambda x: x))
    report = glassgrad.doctor()
    assert report.fast_paths["only_math"] == "reference only"
    assert "only_math" in str(report) and "reference only" in str(report)


def test_text_names_every_fact_in_plain_words(report):
    text = str(report)
    assert text == doctor_report.format_report(report)
    for heading in ("versions", "BLAS (NumPy's matrix products)", "fused kernels (Numba)", "malloc (glibc)",
                    "process-wide changes", "environment variables", "fast paths at the seam"):  # fmt: skip
        assert f"\n{heading}" in text
    for setting in report.settings:
        assert f"{setting.name}: {setting.state} (switch: {setting.switch})" in text and setting.detail in text
    for variable in setup.SWITCHES:
        assert variable in text
    for name in report.fast_paths:
        assert name in text
    printed = io.StringIO()
    doctor_report.print_report(report, file=printed)
    assert printed.getvalue() == text


def test_report_is_json(report):
    data = json.loads(json.dumps(report.to_dict()))
    assert data["settings"][0]["name"] == report.settings[0].name


def test_cli_prints_the_report(capsys):
    assert main(["doctor"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("glassgrad doctor:") and "process-wide changes" in out
    assert main(["doctor", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["versions"]["glassgrad"] == glassgrad.__version__


def test_cli_in_a_fresh_process_shows_the_switches_taking_effect():
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GLASSGRAD_", "OPENBLAS_THREAD_TIMEOUT"))}
    env.update(GLASSGRAD_MALLOC="0", GLASSGRAD_NUMBA="0", PYTHONPATH=os.pathsep.join(sys.path))
    code = "import sys\nfrom glassgrad.cli import main\nsys.exit(main(sys.argv[1:]))"
    done = subprocess.run([sys.executable, "-W", "default", "-c", code, "doctor"], capture_output=True, text=True,
                          env=env, timeout=300)  # fmt: skip
    assert done.returncode == 0 and done.stderr == "", done.stderr  # switched off by choice: no warning
    assert "malloc thresholds: switched off (switch: GLASSGRAD_MALLOC)" in done.stdout
    assert "Numba kernels: switched off (switch: GLASSGRAD_NUMBA)" in done.stdout
    assert "kernels  off: every op runs its NumPy reference" in done.stdout
    assert "GLASSGRAD_MALLOC           =0" in done.stdout
