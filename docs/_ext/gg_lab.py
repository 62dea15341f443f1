"""Learn: the lab's experiments (glassgrad.lab.EXPERIMENTS, in that order) as tutorial pages, generated at build time.

Each page is the experiment's explanation (its module docstring), its pictures with captions, its claims as
measured (a claim that did not hold is shown as not holding), and the code that made them, read from the module.
The pictures and numbers come from the quick lab (`glassgrad lab NAME`, seed 0), kept in docs/lab/ (or
$GLASSGRAD_DOCS_LAB) with the SHA-256 of the module that made them. The build reruns an experiment only when its
module's source changed since (and says so: commit the refreshed docs/lab/NAME/). The whole quick lab takes about
12 minutes on this project's loaded 2-core machine, too long to add to every CI build, so its results are kept
in the repository and the build itself stays short.
"""

from __future__ import annotations

import hashlib
import inspect
import json
import os
import shutil
from pathlib import Path

from sphinx.util import logging

LOGGER = logging.getLogger(__name__)
GENERATED = "learn"  # a folder of docs/, rebuilt on every build and ignored by git


def lab_cache(app) -> Path:
    return Path(os.environ.get("GLASSGRAD_DOCS_LAB") or Path(app.srcdir) / "lab")


def source_hash(module) -> str:
    return hashlib.sha256(inspect.getsource(module).encode()).hexdigest()


def results_for(name: str, cache: Path) -> dict:
    """The experiment's results.json, from the cache when its source is unchanged, else from a fresh quick run."""
    from glassgrad import lab

    module = lab.module(name)
    folder = cache / name
    stamp = folder / ".source-sha256"
    wanted = source_hash(module)
    if not (stamp.is_file() and stamp.read_text() == wanted and (folder / "results.json").is_file()):
        LOGGER.info(f"glassgrad lab: {name}'s module changed; running it again into {folder} (commit the result)")
        lab.run(name, cache, full=False, seed=0)
        stamp.write_text(wanted)
    return json.loads((folder / "results.json").read_text())


def shown(claim: dict) -> str:
    value = claim["measured"]
    text = f"{value:.4g}" if isinstance(value, float) else str(value)
    return f"{text} {claim.get('unit', '')}".strip()


def cell(text: str) -> str:
    """A list-table cell: literal text, so that `*`, `|` and backquotes in a claim stay as they are."""
    return "``" + text.replace("`", "'") + "``" if text else ""


def tutorial_page(name: str, number: int, results: dict, pictures: Path, app) -> str:
    from glassgrad import lab

    module = lab.module(name)
    title = f"{number}. {results['title']}"
    lines = [f".. _lab-{name}:", "", title, "=" * len(title), ""]
    lines += [inspect.getdoc(module) or "", ""]
    for figure in results["figures"]:
        source = lab_cache(app) / name / figure["file"]
        target = pictures / name / figure["file"]
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
        lines += [f".. figure:: pictures/{name}/{figure['file']}", f"   :alt: {figure['caption']}", "",
                  f"   {figure['caption']}", ""]
    lines += ["Measured claims", "---------------", "",
              f"Measured by ``glassgrad lab {name}`` (quick version, seed 0) when these pages were built, "
              f"in {results['seconds']:.1f} s.", ""]
    lines += [".. list-table::", "   :header-rows: 1", "", "   * - claim", "     - measured", "     - expected",
              "     - verdict"]
    for claim in results["claims"]:
        verdict = "holds" if claim["holds"] else "DOES NOT HOLD"
        lines += [f"   * - {cell(claim['name'])}", f"     - {cell(shown(claim))}", f"     - {cell(claim['expected'])}",
                  f"     - {verdict}"]
    source_file = Path(inspect.getsourcefile(module))
    lines += ["", "The code", "--------", "",
              f"``src/glassgrad/lab/{source_file.name}``; run it with ``glassgrad lab {name}`` "
              f"(``--full`` for the longer version).", "",
              f".. literalinclude:: {os.path.relpath(source_file, Path(app.srcdir) / GENERATED)}",
              "   :language: python", ""]
    return "\n".join(lines)


def generate(app) -> None:
    from glassgrad import lab

    folder = Path(app.srcdir) / GENERATED
    pictures = folder / "pictures"
    folder.mkdir(exist_ok=True)
    cache = lab_cache(app)
    cache.mkdir(parents=True, exist_ok=True)
    pages = []
    for number, name in enumerate(lab.present(), start=1):
        results = results_for(name, cache)
        text = tutorial_page(name, number, results, pictures, app)
        path = folder / f"{name}.rst"
        if not path.exists() or path.read_text() != text:
            path.write_text(text)
        pages.append(name)
    missing = [name for name in lab.EXPERIMENTS if name not in pages]
    note = (f"Listed in the lab but not written yet: {', '.join(missing)}." if missing else "")
    index = ["Learn: the lab", "==============", "",
             "Each idea of how networks compute and learn, as an experiment that ran on glassgrad while these pages",
             "were built: the explanation, the picture, what was measured next to what the idea predicts, and the",
             "code. Read them in order; ``glassgrad lab all`` runs them all into the offline lab book.", "", note, "",
             ".. toctree::", "   :maxdepth: 1", "", *(f"   {page}" for page in pages), ""]
    text = "\n".join(index)
    if not (folder / "index.rst").exists() or (folder / "index.rst").read_text() != text:
        (folder / "index.rst").write_text(text)


def setup(app):
    app.connect("builder-inited", generate)
    return {"parallel_read_safe": True, "version": "1"}
