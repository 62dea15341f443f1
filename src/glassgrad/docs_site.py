"""`glassgrad docs`: build the documentation site from the checkout's docs/ with Sphinx, or find the built copy.

The sources (docs/conf.py, the guides, the generators in docs/_ext/) live in the repository beside src/, not in
the installed package, so the command works from a checkout (`pip install -e ".[docs]"`). The build treats every
warning as an error, as CI does: a page that builds here is a page whose references all resolve.
"""

from __future__ import annotations

import time
from pathlib import Path

from .train.errors import SettingError

SOURCES = Path(__file__).resolve().parents[2] / "docs"  # src/glassgrad/ -> the repository's docs/
BUILT = SOURCES / "_build" / "html"


def sources() -> Path:
    if not (SOURCES / "conf.py").is_file():
        raise SettingError(f"the documentation's sources are not here ({SOURCES / 'conf.py'} is missing): "
                           "`glassgrad docs` builds from a checkout of the glassgrad repository (pip install -e .)")
    return SOURCES


def build(out_dir: str | Path | None = None) -> tuple[Path, float]:
    """Build the HTML site into out_dir (default docs/_build/html) with warnings as errors; its index and seconds."""
    try:
        from sphinx.cmd.build import build_main
    except ModuleNotFoundError as error:
        raise SettingError(f"building the docs needs Sphinx ({error}): pip install -e '.[docs]'") from error
    out = Path(out_dir) if out_dir else BUILT
    started = time.perf_counter()
    status = build_main(["-b", "html", "-W", "--keep-going", "-q", str(sources()), str(out)])
    seconds = time.perf_counter() - started
    if status != 0:
        raise SettingError(f"the documentation build failed (Sphinx status {status}); its warnings are above")
    return out / "index.html", seconds


def built(out_dir: str | Path | None = None) -> Path | None:
    """The built site's index.html, or None when it has not been built there."""
    index = (Path(out_dir) if out_dir else BUILT) / "index.html"
    return index if index.is_file() else None
