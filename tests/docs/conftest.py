"""The documentation site, built once per test session as CI builds it: Sphinx, warnings as errors, --keep-going
(so every warning is listed, not only the first). Skips when Sphinx or MyST is not installed."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parents[2] / "docs"


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """The built site: its folder, the build's exit status, its warnings and its duration in seconds."""
    pytest.importorskip("sphinx")
    pytest.importorskip("myst_parser")
    from sphinx.cmd.build import build_main

    out = tmp_path_factory.mktemp("docs") / "html"
    warnings = out.parent / "warnings.txt"
    started = time.perf_counter()
    status = build_main(["-b", "html", "-W", "--keep-going", "-q", "-E", "-w", str(warnings), str(DOCS), str(out)])
    return {"out": out, "status": status, "warnings": warnings.read_text(), "seconds": time.perf_counter() - started}
