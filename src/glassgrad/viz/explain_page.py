"""The explain page's HTML: the page around the sections, the graph section (DOT rendered in the browser by the
vendored viz.js, inlined once) and the findings list."""

from __future__ import annotations

import dataclasses
import json
from html import escape
from pathlib import Path
from typing import Any

from .explain_figures import Section, note

VIZ_JS = Path(__file__).parent / "_vendor" / "viz-standalone.js"

STYLE = """
body { font-family: system-ui, sans-serif; max-width: 1100px; margin: 2em auto; padding: 0 1em; color: #222; }
h2 { border-bottom: 1px solid #ddd; padding-bottom: .2em; margin-top: 2em; }
p.how { background: #f4f7fb; border-left: 4px solid #5b8def; padding: .6em .9em; }
p.note { color: #8a5a00; background: #fff8e6; padding: .5em .8em; }
pre { font-size: 12px; overflow-x: auto; background: #fafafa; padding: .8em; }
img { max-width: 100%; display: block; margin: .5em 0; }
#graph { overflow: auto; max-height: 80vh; border: 1px solid #ddd; }
#graph svg { min-width: 200px; min-height: 100px; }
ul#findings li { margin: .5em 0; }
li.error b { color: #b00020; } li.warning b { color: #b36b00; }
table.pairs td, table.pairs th { padding: 0 .8em; text-align: left; }
nav a { margin-right: 1em; }
"""


def graph_section(drawing: Any) -> Section:
    text = ("How the loss was computed, as the autograd engine recorded it for a few examples. Each box is an "
            "operation (with the shape of what it produced), each ellipse a learned parameter, and arrows run "
            "from inputs up to the loss. Backpropagation walks these arrows backwards; the number on a "
            "parameter's edge is the size of the gradient that reached it.")
    dot = json.dumps(drawing.dot).replace("</", "<\\/")
    html = (f'<div id="graph"></div>\n<script>const GLASSGRAD_DOT = {dot};</script>\n'
            f'<p class="how">{len(drawing.nodes)} nodes. Scroll inside the box to move around the graph.</p>')
    return Section("graph", "The computation graph", text, html)


def finding_dicts(findings: list | None) -> list[dict]:
    """Findings as dicts: a diagnostics `Finding` dataclass, or a dict from RUN/findings.json."""
    return [dataclasses.asdict(f) if dataclasses.is_dataclass(f) else dict(f) for f in (findings or [])]


def findings_section(findings: list | None, why_missing: str | None = None) -> Section:
    text = ("What glassgrad's diagnostics concluded from the training statistics, in plain words: what looks "
            "wrong, where, the likely cause and what to try. Errors come first, then warnings.")
    if findings is None:
        body = '<ul id="findings"></ul>' + note(why_missing or "No findings were given (pass monitor.diagnose()).")
        return Section("findings-section", "Findings", text, body)
    items = []
    for f in finding_dicts(findings):
        steps = f.get("steps") or []
        where = f" at steps {steps[0]}–{steps[-1]}" if len(steps) > 1 else (f" at step {steps[0]}" if steps else "")
        items.append(f'<li class="{escape(str(f.get("severity", "")))}"><b>{escape(str(f.get("kind", "")))}</b> '
                     f'in {escape(str(f.get("where", "")))}{where}: {escape(str(f.get("message", "")))}</li>')
    if not items:
        items.append('<li class="ok"><b>health ok</b>: no finding; the statistics look like healthy training.</li>')
    return Section("findings-section", "Findings", text, f'<ul id="findings">{"".join(items)}</ul>')


def page_html(title: str, sections: list[Section]) -> str:
    nav = " ".join(f'<a href="#{s.id}">{escape(s.title)}</a>' for s in sections)
    body = "\n".join(f'<section id="{s.id}"><h2>{escape(s.title)}</h2>\n<p class="how">{escape(s.text)}</p>\n'
                     f"{s.html}</section>" for s in sections)
    renderer = ""
    if 'id="graph"' in body:  # the graph renderer, once, then one call that draws GLASSGRAD_DOT into #graph
        script = VIZ_JS.read_text(encoding="utf-8").replace("</script", "<\\/script")
        renderer = (f"<script>{script}</script>\n<script>Viz.instance().then(v => document.getElementById('graph')"
                    ".appendChild(v.renderSVGElement(GLASSGRAD_DOT)));</script>\n")
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>{escape(title)}</title>'
            f"<style>{STYLE}</style></head><body>\n<h1>{escape(title)}</h1>\n"
            "<p>This page explains one model on its own data: what it is made of, how it computes its loss, what "
            "training did inside it and what its layers see. Each picture has a short note on how to read it.</p>"
            f"\n<nav>{nav}</nav>\n{body}\n{renderer}</body></html>\n")
