"""Sphinx configuration of glassgrad's documentation site (build it with `glassgrad docs --build`).

Sphinx, because autodoc imports the package and documents exactly what it exports, and its Python domain resolves
every cross-reference at build time, so that `-W` turns a missing or broken one into a failed build. The theme is
Sphinx's builtin alabaster and no math extension is loaded: the site fetches no fonts, scripts or math renderers.
The reference, the command pages and the tutorials are generated at build time by the extensions in _ext/, from the
package itself, so a name added to a module appears in the reference without editing these sources.
"""

import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parent
sys.path.insert(0, str(DOCS / "_ext"))
sys.path.insert(0, str(DOCS.parent / "src"))  # the glassgrad of this checkout, not an installed copy

project = "glassgrad"
author = "the glassgrad authors"
copyright = "the glassgrad authors, MIT licence"  # noqa: A001 - Sphinx's setting name
release = version = "0.1.0"

extensions = [
    "sphinx.ext.autodoc",
    "myst_parser",  # the guides are Markdown (docs/architecture.md, performance.md, porting.md, guides/)
    "gg_docstrings",  # the plain-text docstrings rendered as written (_ext/gg_docstrings.py)
    "gg_reference",  # reference/ and commands pages from the package's public names (_ext/gg_reference.py)
    "gg_lab",  # learn/: the lab's experiments as tutorials, with their pictures and measured claims
]
source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
exclude_patterns = ["_build", "results", "lab", "Thumbs.db", ".DS_Store"]
root_doc = "index"
default_role = "code"  # `name` in a docstring is code, as in the source

# Every reference must resolve; the signatures show names and defaults (annotations are not linked, since many
# name private or third-party types that have no page here).
nitpicky = True
autodoc_typehints = "none"
autodoc_default_options = {"members": True, "member-order": "bysource"}
autodoc_inherit_docstrings = False
myst_heading_anchors = 3

html_theme = "alabaster"
html_static_path = []
html_theme_options = {"description": "deep learning from first principles, with PyTorch's API", "fixed_sidebar": True}
html_sidebars = {"**": ["about.html", "navigation.html", "relations.html", "searchbox.html"]}
html_show_sourcelink = False
html_copy_source = False
# The search page lists matching pages from searchindex.js alone: a summary would be fetched from each page, which
# a browser refuses for a site opened from disk (file://), so the search works offline only without them.
html_show_search_summary = False
