"""Every change glassgrad makes to the whole process, made here, once, when glassgrad is imported.

Each is something no single op can do for itself, each has an environment variable that switches it off, and
each records what it did, or why it did not, in `SETTINGS` (printed by `glassgrad doctor`). When a fast path
falls back, a `FallbackWarning` says so once, with the fix and the variable that chooses the fallback (and so
silences the warning).

    setting                what glassgrad does                                        switch
    OpenBLAS spin timeout  OPENBLAS_THREAD_TIMEOUT=4 before NumPy loads OpenBLAS       GLASSGRAD_BLAS_TIMEOUT=0
    OpenBLAS restart       NumPy imported first: its OpenBLAS re-reads it, restarts    GLASSGRAD_BLAS_RESTART=0
    malloc thresholds      glibc keeps freed blocks up to 1 GiB for reuse             GLASSGRAD_MALLOC=0
    Numba kernels          the fused kernels (glassgrad/kernels) are compiled         GLASSGRAD_NUMBA=0
    kernel thread pool     Numba's prange loops run on TBB                            GLASSGRAD_THREADING_LAYER=0
    kernel threads         one thread while OpenBLAS's workers spin                   (follows the two BLAS rows)

A value you set yourself (OPENBLAS_THREAD_TIMEOUT, NUMBA_THREADING_LAYER) is kept. Why each one, as measured:

1. OpenBLAS's worker threads sleep as soon as a matrix product ends. By default they busy-wait for the next one
   for up to 2²⁸ cycles (about 0.1 s). glassgrad's fused kernels run their own threads between two products,
   and on a machine with as many cores as threads the spinning workers take the cores from them: on 2 cores a
   matrix product followed by a GELU kernel measured 8.0 ms with the default and 2.2 ms with
   OPENBLAS_THREAD_TIMEOUT=4 (2⁴ cycles of spinning). OpenBLAS reads the setting once, when it loads, so it is
   set before NumPy is imported.
2. When NumPy was imported first (as most scripts do: `import numpy as np` comes before `import glassgrad` in
   isort order), the OpenBLAS bundled with NumPy is asked to read its settings again and to restart its workers
   (`openblas_read_env`, `blas_thread_shutdown_`, `blas_thread_init`). These are OpenBLAS internals, not its
   public API, so they are called only for the versions they were checked against (`CHECKED_OPENBLAS`), and the
   timeout is read back from the library afterwards. A GEMM followed by a GELU kernel took 850–1036 µs with the
   spinning workers, 784–806 µs after the restart and 695 µs with glassgrad imported first.
3. glibc's malloc hands large freed blocks back to the OS. By default a block over 128 KiB to 32 MiB is mmap'ed
   fresh and unmapped when freed, so every activation and gradient array of a training step costs the kernel a
   page fault and zeroing per 4 KiB page, every step. Raising the mmap and trim thresholds (mallopt) took a GPT
   training step from 76 to 58 ms on one core. Memory freed stays in the process for the next step, which is
   the pattern of training. This affects every library in the process, PyTorch included.
4. Numba compiles the fused kernels. Its default thread pool, OpenMP, busy-waits between loops, and so does
   PyTorch's: in one process (the benchmarks) the two on 2 cores made a torch step 100x slower. TBB's pool
   starts a loop in about 2.5 µs and sleeps when idle; Numba's own workqueue pool also sleeps, but takes about
   50 µs to start each loop, more than many kernels take to run. pip's `tbb` puts libtbb in <venv>/lib, off
   the loader's path, so it is loaded here first.
5. While OpenBLAS's workers spin (the timeout could not be applied), the kernels run on one thread, which does
   not fight them: `SPINNING_BLAS`.
"""

from __future__ import annotations

import ctypes
import functools
import importlib
import os
import re
import sys
import warnings
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any, Iterator

APPLIED = "applied"
KEPT = "kept yours"
OFF = "switched off"
NOT_NEEDED = "not needed"
UNAVAILABLE = "unavailable"
FELL_BACK = "fell back"

SWITCHES = {  # every variable that decides a setting here, and what it does
    "GLASSGRAD_BLAS_TIMEOUT": "0: do not set OPENBLAS_THREAD_TIMEOUT (OpenBLAS spins; the kernels use one thread)",
    "GLASSGRAD_BLAS_RESTART": "0: do not restart an OpenBLAS that NumPy loaded before glassgrad",
    "GLASSGRAD_MALLOC": "0: leave glibc's malloc thresholds as they are",
    "GLASSGRAD_NUMBA": "0: no fused kernels; every op runs its NumPy reference",
    "GLASSGRAD_THREADING_LAYER": "0: leave Numba's own choice of thread pool (tbb, omp, workqueue)",
    "OPENBLAS_THREAD_TIMEOUT": "OpenBLAS's spin after a product, 2^N cycles; a value you set is kept",
    "NUMBA_THREADING_LAYER": "the kernels' thread pool (tbb, omp, workqueue); a value you set is kept",
}

_TIMEOUT = "OPENBLAS_THREAD_TIMEOUT"
_SHORT_SPIN = "4"

# OpenBLAS's internal functions called here, checked in its sources from 0.3.27 (the first with
# openblas_set_num_threads_local, which kernels/blas.py uses) and measured on 0.3.31 (NumPy 2.4's wheels).
# Another version (unknown, older, or 0.4 on) may have changed them: then none is called.
CHECKED_OPENBLAS = ((0, 3, 27), (0, 4, 0))  # from, up to but not including


class FallbackWarning(RuntimeWarning):
    """A fast path of glassgrad is off in this process: the message says why, the fix, and how to silence it."""


@dataclass(frozen=True)
class Setting:
    """One process-wide change: what it is, what became of it (APPLIED, FELL_BACK, ...), why, and its switch."""

    name: str
    state: str
    detail: str
    switch: str


SETTINGS: dict[str, Setting] = {}  # in the order they were made


def _switched_off(variable: str) -> bool:
    return os.environ.get(variable, "1") == "0"


def _warn(message: str) -> None:
    warnings.warn(f"glassgrad: {message}", FallbackWarning, stacklevel=3)


# ---- 1. OpenBLAS's spin timeout ------------------------------------------------------------------------------
def _set_blas_timeout(numpy_first: bool) -> Setting:
    name, switch = "OpenBLAS spin timeout", "GLASSGRAD_BLAS_TIMEOUT"
    if _TIMEOUT in os.environ:
        return Setting(name, KEPT, f"{_TIMEOUT}={os.environ[_TIMEOUT]} was set before glassgrad was imported", switch)
    if _switched_off(switch):
        return Setting(name, OFF, "OpenBLAS's workers spin for up to ~0.1 s after each product (its default)", switch)
    os.environ[_TIMEOUT] = _SHORT_SPIN
    when = "NumPy had loaded OpenBLAS first: see the restart" if numpy_first else "set before NumPy loaded OpenBLAS"
    detail = f"{_TIMEOUT}={_SHORT_SPIN}: workers spin 2^4 cycles after a product, not ~0.1 s ({when})"
    return Setting(name, APPLIED, detail, switch)


_USERS_TIMEOUT = _TIMEOUT in os.environ
_NUMPY_FIRST = "numpy" in sys.modules
SETTINGS["blas_timeout"] = _set_blas_timeout(_NUMPY_FIRST)

import numpy as np  # noqa: E402  (after the timeout: loading NumPy loads its OpenBLAS, which reads it once)


# ---- finding NumPy's OpenBLAS --------------------------------------------------------------------------------
@dataclass(frozen=True)
class OpenBLAS:
    """The OpenBLAS library that NumPy's matrix products run on, as found in this process."""

    library: Any  # the ctypes.CDLL
    path: str
    found_in: str  # "NumPy's wheel" or "this process's loaded libraries"
    config: str  # what openblas_get_config() says, e.g. "OpenBLAS 0.3.31.188.0 USE64BITINT ... MAX_THREADS=64"
    version: tuple[int, int, int] | None
    prefix: str  # of its public names: NumPy's wheels ship "scipy_openblas_get_config64_" (prefix scipy_)
    suffix: str  # "64_" in a build with 64-bit integers, else ""

    def public(self, name: str) -> Any:
        """A function of OpenBLAS's public API (`openblas_get_num_threads`, `cblas_sgemm`, ...), or None."""
        return getattr(self.library, f"{self.prefix}{name}{self.suffix}", None)

    def refusal(self, *internals: str) -> str | None:
        """None when these internal functions may be called (version checked, all present), else why not."""
        if self.version is None:
            return f"its version could not be read (openblas_get_config() says {self.config!r})"
        if not CHECKED_OPENBLAS[0] <= self.version < CHECKED_OPENBLAS[1]:
            return f"OpenBLAS {_dotted(self.version)} is not a version its internals were checked on ({checked()})"
        missing = [name for name in internals if getattr(self.library, name, None) is None]
        return f"OpenBLAS at {self.path} lacks {', '.join(missing)}" if missing else None


def _dotted(version: tuple[int, ...]) -> str:
    return ".".join(map(str, version))


def checked() -> str:
    """The OpenBLAS versions whose internal functions glassgrad calls, in words."""
    return f"{_dotted(CHECKED_OPENBLAS[0])} up to, not including, {_dotted(CHECKED_OPENBLAS[1])}"


def _candidate_paths() -> Iterator[tuple[Path, str]]:
    """Where NumPy's OpenBLAS may be: NumPy's wheel folders first (Linux and Windows: numpy.libs; macOS:
    numpy/.dylibs), then any OpenBLAS this process has loaded (/proc/self/maps; conda or a distribution's NumPy)."""
    package = Path(np.__file__).resolve().parent
    for folder in (package.parent / "numpy.libs", package / ".dylibs"):
        yield from ((path, "NumPy's wheel") for path in sorted(folder.glob("*openblas*")))
    maps = Path("/proc/self/maps")
    if maps.exists():  # read only when the wheel's folders held no usable OpenBLAS
        loaded = {line.split()[-1] for line in maps.read_text().splitlines() if "openblas" in line.lower()}
        yield from ((Path(path), "this process's loaded libraries") for path in sorted(loaded) if path.startswith("/"))


@functools.cache
def numpy_openblas() -> OpenBLAS | None:
    """NumPy's OpenBLAS (the library its products already run on), or None (NumPy built on another BLAS)."""
    for path, found_in in _candidate_paths():
        try:
            library = ctypes.CDLL(str(path))
        except OSError:
            continue
        for prefix, suffix in (("scipy_", "64_"), ("scipy_", ""), ("", "64_"), ("", "")):
            get_config = getattr(library, f"{prefix}openblas_get_config{suffix}", None)
            if get_config is None:
                continue
            get_config.restype = ctypes.c_char_p
            config = (get_config() or b"").decode(errors="replace").strip()
            match = re.match(r"OpenBLAS (\d+)\.(\d+)\.(\d+)", config)
            version = (int(match[1]), int(match[2]), int(match[3])) if match else None
            return OpenBLAS(library, str(path), found_in, config, version, prefix, suffix)
    return None


# ---- 2. restarting an OpenBLAS that NumPy loaded first -------------------------------------------------------
_RESTART = ("openblas_read_env", "blas_thread_shutdown_", "blas_thread_init", "openblas_thread_timeout")


def _restart_openblas(blas: OpenBLAS | None, needed: bool) -> Setting:
    """Make the OpenBLAS that NumPy already loaded re-read OPENBLAS_THREAD_TIMEOUT and restart its workers.

    Runs at glassgrad's import, when no matrix product is in flight; the timeout is read back to prove it.
    """
    name, switch = "OpenBLAS restart", "GLASSGRAD_BLAS_RESTART"
    if not needed:
        return Setting(name, NOT_NEEDED, "OpenBLAS read the timeout when it loaded (no restart)", switch)
    if _switched_off(switch):
        return Setting(name, OFF, "NumPy's OpenBLAS keeps the default spin it loaded with", switch)
    refusal = "NumPy's OpenBLAS was not found (another BLAS, or an unusual layout)" if blas is None else None
    refusal = refusal or blas.refusal(*_RESTART)
    if refusal is not None:
        return Setting(name, FELL_BACK, f"not restarted: {refusal}", switch)
    blas.library.openblas_read_env()
    blas.library.blas_thread_shutdown_()
    blas.library.blas_thread_init()
    reported = blas.library.openblas_thread_timeout()
    if str(reported) != os.environ[_TIMEOUT]:
        return Setting(name, FELL_BACK, f"restarted, but it reports timeout {reported}, not {os.environ[_TIMEOUT]}",
                       switch)  # fmt: skip
    return Setting(name, APPLIED, f"NumPy was imported first; its OpenBLAS restarted, reports timeout {reported}",
                   switch)  # fmt: skip


_RESTART_NEEDED = _NUMPY_FIRST and SETTINGS["blas_timeout"].state == APPLIED
SETTINGS["blas_restart"] = _restart_openblas(numpy_openblas() if _RESTART_NEEDED else None, _RESTART_NEEDED)


# ---- 3. glibc's malloc ---------------------------------------------------------------------------------------
_M_TRIM_THRESHOLD = -1  # mallopt parameters, from glibc's malloc.h
_M_MMAP_THRESHOLD = -3
MMAP_THRESHOLD = 1 << 30  # blocks up to 1 GiB come from the heap and are reused; larger ones are still mmap'ed
TRIM_THRESHOLD = 2 * MMAP_THRESHOLD - 1  # free memory at the heap's top is kept up to this (2 GiB - 1 byte)


def _tune_malloc() -> Setting:
    """Raise glibc's mmap and trim thresholds."""
    name, switch = "malloc thresholds", "GLASSGRAD_MALLOC"
    if _switched_off(switch):
        return Setting(name, OFF, "glibc's own thresholds (128 KiB mmap threshold, rising to 32 MiB)", switch)
    if not sys.platform.startswith("linux"):
        return Setting(name, UNAVAILABLE, f"only glibc's malloc is tuned; this is {sys.platform}", switch)
    try:
        mallopt = ctypes.CDLL(None).mallopt  # the C library the interpreter is linked with
    except (OSError, AttributeError):
        return Setting(name, UNAVAILABLE, "the C library has no mallopt (not glibc)", switch)
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    if not (mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD) and mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD)):
        return Setting(name, FELL_BACK, "mallopt refused the values (not glibc?)", switch)
    detail = f"mmap threshold {MMAP_THRESHOLD} bytes (1 GiB), trim threshold {TRIM_THRESHOLD} bytes: blocks reused"
    return Setting(name, APPLIED, detail, switch)


SETTINGS["malloc"] = _tune_malloc()
MALLOC_TUNED = SETTINGS["malloc"].state == APPLIED


# ---- 4. Numba, and the thread pool its kernels run on --------------------------------------------------------
def _import_numba() -> tuple[ModuleType | None, Setting]:
    name, switch = "Numba kernels", "GLASSGRAD_NUMBA"
    if _switched_off(switch):
        return None, Setting(name, OFF, "every op runs its NumPy reference", switch)
    try:
        import numba
    except Exception as error:  # ImportError when absent; a broken install can raise anything while importing
        reason = f"{type(error).__name__}: {error}"
        _warn(f"Numba could not be imported ({reason}), so the fused kernels are off and every op runs its NumPy "
              f"reference, several times slower in training. Install Numba (pip install numba), or set "
              f"GLASSGRAD_NUMBA=0 to choose the NumPy path and silence this warning.")  # fmt: skip
        return None, Setting(name, FELL_BACK, f"Numba could not be imported ({reason})", switch)
    return numba, Setting(name, APPLIED, f"Numba {numba.__version__} compiles the fused kernels", switch)


def _load_tbb() -> str | None:
    """Load Intel TBB for Numba's tbb layer; None when it loaded, else why not."""
    folders = dict.fromkeys(Path(prefix) / "lib" for prefix in (sys.prefix, sys.base_prefix))
    files = [str(path) for folder in folders for pattern in ("libtbb.so.12*", "libtbb.12*.dylib")
             for path in sorted(folder.glob(pattern))]  # fmt: skip
    problems = []
    for library in [*files, "libtbb.so.12"]:  # the last by name: a TBB on the loader's own path
        try:
            tbb = ctypes.CDLL(library, mode=ctypes.RTLD_GLOBAL)
        except OSError as error:
            problems.append(str(error))
            continue
        tbb.TBB_runtime_interface_version.restype = ctypes.c_int
        if tbb.TBB_runtime_interface_version() < 12060:  # Numba needs TBB 2021.6 or later (its own check)
            return f"{library} is older than TBB 2021.6"
        try:
            importlib.import_module("numba.np.ufunc.tbbpool")
        except ImportError as error:
            return f"Numba's tbb layer did not load ({error})"
        return None
    return f"no libtbb.so.12 in {', '.join(map(str, folders))} or on the loader's path ({problems[-1]})"


def _choose_threading_layer(numba: ModuleType | None) -> Setting:
    name, switch = "kernel thread pool", "GLASSGRAD_THREADING_LAYER"
    if numba is None:
        return Setting(name, NOT_NEEDED, "no Numba kernels", switch)
    if "NUMBA_THREADING_LAYER" in os.environ:
        return Setting(name, KEPT, f"NUMBA_THREADING_LAYER={os.environ['NUMBA_THREADING_LAYER']}", switch)
    if _switched_off(switch):
        return Setting(name, OFF, "Numba's own choice: tbb, else omp (which spins), else workqueue", switch)
    problem = _load_tbb()
    if problem is None:
        numba.config.THREADING_LAYER = "tbb"
        return Setting(name, APPLIED, "tbb: starts a parallel loop in ~2.5 us and sleeps when idle", switch)
    numba.config.THREADING_LAYER = "workqueue"
    _warn(f"Intel TBB could not be loaded ({problem}), so the kernels run on Numba's workqueue pool, which takes "
          f"about 50 us to start each parallel loop where TBB takes 2.5 us. Install TBB (pip install tbb), or set "
          f"NUMBA_THREADING_LAYER=workqueue to choose it and silence this warning.")  # fmt: skip
    return Setting(name, FELL_BACK, f"workqueue, because {problem}", switch)


numba, SETTINGS["numba"] = _import_numba()
SETTINGS["threading_layer"] = _choose_threading_layer(numba)


# ---- 5. the kernels' thread count while OpenBLAS spins -------------------------------------------------------
def _spinning_reason() -> tuple[str | None, bool]:
    """(why OpenBLAS's workers spin with the default timeout, or None; whether that was the user's choice)."""
    if _USERS_TIMEOUT:
        return None, False
    if SETTINGS["blas_timeout"].state == OFF:
        return "GLASSGRAD_BLAS_TIMEOUT=0 leaves OpenBLAS's workers spinning", True
    restart = SETTINGS["blas_restart"]
    if restart.state == OFF:
        return "NumPy was imported before glassgrad and GLASSGRAD_BLAS_RESTART=0 left its OpenBLAS spinning", True
    if restart.state == FELL_BACK:
        return f"NumPy was imported before glassgrad and its OpenBLAS was {restart.detail}", False
    return None, False


def _limit_kernel_threads(numba: ModuleType | None, spinning: str | None, chosen: bool) -> Setting:
    name, switch = "kernel threads", "OPENBLAS_THREAD_TIMEOUT"  # no switch of its own: it follows OpenBLAS's spin
    if numba is None:
        return Setting(name, NOT_NEEDED, "no Numba kernels", switch)
    if spinning is None:
        detail = f"all {numba.config.NUMBA_NUM_THREADS}: OpenBLAS's workers sleep after each product"
        return Setting(name, NOT_NEEDED, detail, switch)
    numba.set_num_threads(1)
    if chosen:
        return Setting(name, APPLIED, f"1, because {spinning}", switch)
    _warn(f"the fused kernels run on one thread, because {spinning}: OpenBLAS's spinning workers would take the cores "
          f"from the kernels' threads. Import glassgrad before NumPy, or set OPENBLAS_THREAD_TIMEOUT=4 in the "
          f"environment before Python starts (which also silences this warning).")  # fmt: skip
    return Setting(name, FELL_BACK, f"1, because {spinning}", switch)


_spinning, _chosen = _spinning_reason()
SPINNING_BLAS = _spinning is not None
SETTINGS["kernel_threads"] = _limit_kernel_threads(numba, _spinning, _chosen)
