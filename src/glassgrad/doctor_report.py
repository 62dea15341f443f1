"""What this process runs on, and what glassgrad changed in it: `glassgrad doctor`, or `glassgrad.doctor()`.

    >>> import glassgrad
    >>> report = glassgrad.doctor()       # a DoctorReport: plain dicts and lists, `report.to_dict()` for JSON
    >>> print(report)                     # the same text as `glassgrad doctor`  # doctest: +SKIP

It reads, and changes nothing, except that asking Numba how many threads it runs starts its thread pool (the
first kernel would start it anyway). The changes themselves are made, once, in `_process_setup.py`.
"""

from __future__ import annotations

import dataclasses
import os
import platform
import sys
from dataclasses import dataclass
from typing import Any, TextIO

from . import _process_setup as setup
from .kernels import _numba, blas, registry


@dataclass
class DoctorReport:
    """Everything `glassgrad doctor` prints, as data: each section a dict of plain values (None: unknown)."""

    versions: dict[str, str | None]
    blas: dict[str, Any]  # NumPy's BLAS: build, library, configuration, threads, spin timeout, internals
    kernels: dict[str, Any]  # the fused kernels: on or off, thread pool, threads, batched products
    malloc: dict[str, Any]  # tuned, and the thresholds set
    settings: list[setup.Setting]  # each process-wide change: applied, kept, switched off, fell back, and why
    switches: dict[str, dict[str, str | None]]  # environment variable -> {"value": as set here, "meaning": ...}
    fast_paths: dict[str, str]  # name at the seam -> the kernel registered for it, or "reference only"

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    def __str__(self) -> str:
        return format_report(self)


def doctor() -> DoctorReport:
    """What is active in this process: versions, BLAS, kernels, malloc, each process-wide change, the fast paths."""
    from . import __version__

    numba = setup.numba
    versions = {
        "glassgrad": __version__,
        "Python": platform.python_version(),
        "NumPy": _module_version("numpy"),
        "Numba": numba.__version__ if numba is not None else None,
    }
    return DoctorReport(
        versions=versions,
        blas=_blas(),
        kernels=_kernels(),
        malloc={
            "tuned": setup.MALLOC_TUNED,
            "mmap_threshold": setup.MMAP_THRESHOLD if setup.MALLOC_TUNED else None,
            "trim_threshold": setup.TRIM_THRESHOLD if setup.MALLOC_TUNED else None,
            "detail": setup.SETTINGS["malloc"].detail,
        },
        settings=list(setup.SETTINGS.values()),
        switches={name: {"value": os.environ.get(name), "meaning": text} for name, text in setup.SWITCHES.items()},
        fast_paths={entry.name: _kernel_name(entry.kernel) for entry in registry.entries()},
    )


def _module_version(name: str) -> str | None:
    module = sys.modules.get(name)
    return getattr(module, "__version__", None)


def _blas() -> dict[str, Any]:
    """NumPy's BLAS: as NumPy's build describes it, and as the library itself reports (public functions only,
    except the spin timeout, read through an internal function on a checked version)."""
    import numpy as np

    try:
        build = np.show_config(mode="dicts")["Build Dependencies"]["blas"]  # NumPy 1.26 on
        name, version = build.get("name"), build.get("version")
    except (TypeError, KeyError):
        name = version = None
    library = setup.numpy_openblas()
    info: dict[str, Any] = {"name": name, "version": version, "library": None, "found_in": None, "configuration": None,
                            "threads": None, "threading": None, "spin_timeout": None, "internals": None}  # fmt: skip
    if library is None:
        info["internals"] = "not called: NumPy's OpenBLAS was not found (glassgrad looks for OpenBLAS only)"
        return info
    info.update(library=library.path, found_in=library.found_in, configuration=library.config)
    get_threads, get_parallel = library.public("openblas_get_num_threads"), library.public("openblas_get_parallel")
    if get_threads is not None:
        info["threads"] = int(get_threads())
    if get_parallel is not None:  # how OpenBLAS was built to run its threads
        info["threading"] = {0: "sequential", 1: "pthreads", 2: "OpenMP"}.get(int(get_parallel()), "unknown")
    refusal = library.refusal("openblas_thread_timeout")
    if refusal is None:
        info["spin_timeout"] = int(library.library.openblas_thread_timeout())  # 0: OpenBLAS's default (~0.1 s)
        version = ".".join(map(str, library.version))
        info["internals"] = f"allowed: OpenBLAS {version} is among the versions checked ({setup.checked()})"
    else:
        info["internals"] = f"not called: {refusal}"
    return info


def _kernels() -> dict[str, Any]:
    numba = setup.numba
    if numba is None or not _numba.ENABLED:
        reason = setup.SETTINGS["numba"].detail
        return {"on": False, "reason": reason, "thread_pool": None, "threads": None, "max_threads": None,
                "batched_products": blas.UNAVAILABLE_BECAUSE or "off"}  # fmt: skip
    threads = numba.get_num_threads()  # starts the pool, so that the layer below is the one really running
    return {
        "on": True,
        "reason": setup.SETTINGS["numba"].detail,
        "thread_pool": numba.threading_layer(),
        "threads": threads,
        "max_threads": numba.config.NUMBA_NUM_THREADS,
        "batched_products": "on" if blas.available() else f"off: {blas.UNAVAILABLE_BECAUSE}",
    }


def _kernel_name(kernel: Any) -> str:
    if kernel is None:
        return "reference only"
    return f"{kernel.__module__}.{kernel.__qualname__}"


# ---- the text ------------------------------------------------------------------------------------------------
def format_report(report: DoctorReport) -> str:
    """The report in plain words, one fact a line, as `glassgrad doctor` prints it."""
    blas_info, kernels, malloc = report.blas, report.kernels, report.malloc
    lines = ["glassgrad doctor: what this process runs on, and what glassgrad changed in it", ""]
    lines += _section("versions", {name: version or "not loaded" for name, version in report.versions.items()})
    threads = blas_info["threads"]
    lines += _section("BLAS (NumPy's matrix products)", {
        "build": " ".join(str(part) for part in (blas_info["name"], blas_info["version"]) if part) or "unknown",
        "library": f"{blas_info['library']} (in {blas_info['found_in']})" if blas_info["library"] else "not found",
        "configuration": blas_info["configuration"] or "unknown",
        "threads": "unknown" if threads is None else f"{threads} ({blas_info['threading'] or 'threading unknown'})",
        "spin timeout": _spin(blas_info["spin_timeout"]),
        "internal calls": blas_info["internals"],
    })  # fmt: skip
    if kernels["on"]:
        lines += _section("fused kernels (Numba)", {
            "kernels": f"on ({kernels['reason']})",
            "thread pool": kernels["thread_pool"],
            "threads": f"{kernels['threads']} of {kernels['max_threads']}",
            "batched products": f"{kernels['batched_products']} (kernels/blas.py: one OpenBLAS call per head)",
        })  # fmt: skip
    else:
        off = f"off: {kernels['reason']}; every op runs its reference"
        lines += _section("fused kernels (Numba)", {"kernels": off})
    tuned = f"on: mmap threshold {malloc['mmap_threshold']} bytes, trim threshold {malloc['trim_threshold']} bytes"
    lines += _section("malloc (glibc)", {"tuning": tuned if malloc["tuned"] else f"off: {malloc['detail']}"})
    lines += ["process-wide changes (made once, at import, in glassgrad/_process_setup.py)"]
    for setting in report.settings:
        lines += [f"  {setting.name}: {setting.state} (switch: {setting.switch})", f"      {setting.detail}"]
    lines += ["", "environment variables that control them"]
    width = max(len(name) for name in report.switches)
    for name, switch in report.switches.items():
        value = "unset" if switch["value"] is None else f"={switch['value']}"
        lines += [f"  {name:<{width}}  {value:<6}  {switch['meaning']}"]
    lines += ["", "fast paths at the seam (glassgrad/kernels/registry.py: name -> what a fitting call runs)"]
    width = max((len(name) for name in report.fast_paths), default=0)
    unused = "" if kernels["on"] else "  (not used: the kernels are off)"
    for name, kernel in report.fast_paths.items():
        lines += [f"  {name:<{width}}  {kernel}{unused if kernel != 'reference only' else ''}"]
    return "\n".join(lines) + "\n"


def _section(title: str, rows: dict[str, Any]) -> list[str]:
    width = max(len(key) for key in rows)
    return [title, *(f"  {key:<{width}}  {value}" for key, value in rows.items()), ""]


def _spin(timeout: int | None) -> str:
    if timeout is None:
        return "unknown (not read)"
    if timeout == 0:
        return "OpenBLAS's default: workers spin up to ~0.1 s after each product"
    return f"{timeout}: workers spin 2^{timeout} cycles after each product"


def print_report(report: DoctorReport | None = None, file: TextIO | None = None) -> None:
    """Print `report` (default: `doctor()` now) as `glassgrad doctor` does."""
    print(format_report(report if report is not None else doctor()), end="", file=file or sys.stdout)
