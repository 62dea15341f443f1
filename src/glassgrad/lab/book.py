"""The lab book: one offline page, DIR/index.html, that collects the experiments found in DIR in the order of
the ideas (glassgrad.lab.EXPERIMENTS). For each one: its title, its explanation (the module docstring), its
pictures with captions, its claims (measured next to expected, and whether each held, shown as measured: a claim
that did not hold is marked, not hidden), its run time, and the code that made it, read from the module itself.

The page reads each experiment's results.json, so it shows what was actually measured, and refers to the pictures
by paths relative to index.html (DIR/NAME/picture.png): the folder can be moved or zipped as a whole. Nothing is
fetched from the network. The page is written atomically, so a reader (or a Ctrl-C) never sees half of it.
"""

from __future__ import annotations

import html
import inspect
import json
import math
from pathlib import Path

from .experiment import write_text_atomically

INTRODUCTION = """\
<p>Each section below is one idea about how neural networks compute and learn, shown as an experiment that ran on
glassgrad itself. Read a section from top to bottom: the explanation says what the idea is and how to read the
picture; the picture shows it; the table lists what was measured next to what the idea predicts, and whether the
prediction held (a prediction that failed is shown as failed: the numbers are real measurements, not
illustrations); at the end, the code that made the picture and the numbers, which you can run yourself with
<code>glassgrad lab NAME</code>. The sections build on each other, from one neuron to the Transformer.</p>"""

STYLE = """
body { font-family: system-ui, sans-serif; max-width: 1100px; margin: 2em auto; padding: 0 1em; color: #222;
       line-height: 1.5; }
h1 { margin-bottom: 0.2em; } h2 { border-top: 1px solid #ccc; padding-top: 1em; margin-top: 2em; }
nav ol { columns: 2; } nav .absent { color: #999; }
figure { margin: 1em 0; } figure img { max-width: 100%; height: auto; border: 1px solid #eee; }
figcaption { color: #555; font-size: 0.9em; }
table.claims { border-collapse: collapse; margin: 1em 0; font-size: 0.95em; }
table.claims th, table.claims td { border: 1px solid #ccc; padding: 0.3em 0.6em; text-align: left; }
table.claims tr.holds td.verdict { color: #1a7f37; font-weight: bold; }
table.claims tr.fails td.verdict { color: #b42318; font-weight: bold; }
table.claims tr.fails { background: #fff4f2; }
.meta { color: #666; font-size: 0.9em; }
details pre { background: #f6f8fa; padding: 1em; overflow-x: auto; font-size: 0.85em; }
"""


def build(folder: Path) -> Path:
    """Write folder/index.html from the experiments whose results.json is in folder; returns its path."""
    from . import EXPERIMENTS

    results = {}
    for name in EXPERIMENTS:
        path = folder / name / "results.json"
        if path.is_file():
            try:
                results[name] = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, json.JSONDecodeError):  # a damaged file: leave the section out rather than fail
                continue
    contents = "".join(
        f'<li><a href="#exp-{name}">{html.escape(results[name]["title"])}</a></li>' if name in results
        else f'<li class="absent">{html.escape(name)} (not run yet)</li>'
        for name in EXPERIMENTS
    )  # fmt: skip
    sections = "".join(_section(number, name, results[name]) for number, name in enumerate(EXPERIMENTS, 1)
                       if name in results)
    page = (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>The glassgrad lab book</title>'
        f"<style>{STYLE}</style></head><body><h1>The glassgrad lab book</h1>{INTRODUCTION}"
        f"<nav><h2>Contents</h2><ol>{contents}</ol></nav>{sections}</body></html>\n"
    )
    return write_text_atomically(folder / "index.html", page)


def _section(number: int, name: str, result: dict) -> str:
    explanation, source = _explanation_and_source(name)
    figures = "".join(
        f'<figure><img src="{html.escape(name)}/{html.escape(figure["file"])}" alt="{html.escape(figure["caption"])}">'
        f'<figcaption>{html.escape(figure["caption"])}</figcaption></figure>'
        for figure in result.get("figures", [])
    )
    rows = "".join(_claim_row(claim) for claim in result.get("claims", []))
    held = sum(bool(claim["holds"]) for claim in result.get("claims", []))
    budget = "the full version" if result.get("full") else "the quick version"
    code = (f"<details><summary>The code that made it: glassgrad/lab/{html.escape(name)}.py</summary>"
            f"<pre><code>{html.escape(source)}</code></pre></details>") if source else ""
    return (
        f'<section id="exp-{html.escape(name)}"><h2>{number}. {html.escape(result["title"])}</h2>{explanation}'
        f"{figures}<table class=\"claims\"><thead><tr><th>claim</th><th>measured</th><th>expected</th>"
        f"<th>verdict</th></tr></thead><tbody>{rows}</tbody></table>"
        f'<p class="meta">{held} of {len(result.get("claims", []))} claims hold; {budget} ran in '
        f'{result.get("seconds", 0.0):.1f} s. Run it again: <code>glassgrad lab {html.escape(name)}</code></p>'
        f"{code}</section>"
    )


def _claim_row(claim: dict) -> str:
    holds = bool(claim["holds"])
    return (
        f'<tr class="{"holds" if holds else "fails"}"><td>{html.escape(claim["name"])}</td>'
        f"<td>{html.escape(_shown(claim.get('measured'), claim.get('unit', '')))}</td>"
        f"<td>{html.escape(str(claim['expected']))}</td>"
        f'<td class="verdict">{"holds" if holds else "does not hold"}</td></tr>'
    )


def _shown(value: object, unit: str) -> str:
    text = f"{value:.4g}" if isinstance(value, float) and math.isfinite(value) else str(value)
    return f"{text} {unit}".strip()


def _explanation_and_source(name: str) -> tuple[str, str]:
    """The module docstring as paragraphs and the module's source; empty when the module cannot be imported."""
    from . import module

    try:
        experiment = module(name)
        source = inspect.getsource(experiment)
    except Exception:  # noqa: BLE001 - results from a module since removed still deserve their section
        return "", ""
    paragraphs = inspect.cleandoc(experiment.__doc__ or "").split("\n\n")
    explanation = "".join(f"<p>{html.escape(' '.join(p.split()))}</p>" for p in paragraphs if p.strip())
    return explanation, source
