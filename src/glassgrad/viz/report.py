"""report.html: one static page per run (no network, no scripts) with its configuration, final metrics and plots."""

from __future__ import annotations

import html
import json
import os
import tempfile
from pathlib import Path


def write_report(
    run_dir: Path,
    title: str,
    config: dict,
    final_metrics: dict,
    images: list[Path],
    sample: str | None = None,
    findings: list[dict] | None = None,
    explain: str | None = None,
) -> Path:
    """Write `run_dir/report.html` atomically; image paths are made relative so the folder can be moved.
    `findings`: the training-health findings (dicts as in findings.json); None leaves the section out.
    `explain`: the explain page's file name in run_dir, linked at the top."""
    run_dir = Path(run_dir)
    rows = "\n".join(
        f"<tr><th>{html.escape(str(k))}</th><td>{html.escape(json.dumps(v))}</td></tr>" for k, v in config.items()
    )
    metric_rows = "\n".join(
        f'<tr><th>{html.escape(k)}</th><td class="metric" id="metric-{html.escape(k)}">{_number(v)}</td></tr>'
        for k, v in final_metrics.items()
    )
    figures = "\n".join(
        f'<figure><img src="{html.escape(Path(p).name)}" alt="{html.escape(Path(p).stem)}">'
        f"<figcaption>{html.escape(Path(p).stem.replace('_', ' '))}</figcaption></figure>"
        for p in images
    )
    sample_block = f"<h2>Generated sample</h2>\n<pre>{html.escape(sample)}</pre>" if sample else ""
    health_block = _health_section(findings) if findings is not None else ""
    explain_link = (
        f'<p id="explain-link">What the model computes and how it learned, layer by layer: '
        f'<a href="{html.escape(explain)}">the explain page</a>.</p>'
        if explain
        else ""
    )
    page = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 1100px; color: #222; }}
table {{ border-collapse: collapse; margin-bottom: 1.5rem; }}
th, td {{ text-align: left; padding: 0.25rem 0.8rem; border-bottom: 1px solid #ddd; font-size: 0.9rem; }}
.metric {{ font-weight: bold; font-size: 1.1rem; }}
figure {{ display: inline-block; margin: 0.5rem; vertical-align: top; }}
img {{ max-width: 520px; border: 1px solid #eee; }}
pre {{ background: #f6f6f6; padding: 1rem; white-space: pre-wrap; }}
.finding {{ margin-bottom: 0.6rem; }}
.severity-error {{ color: #b00020; }}
.severity-warning {{ color: #8a5a00; }}
</style></head>
<body>
<h1>{html.escape(title)}</h1>
{explain_link}
<h2>Final metrics</h2>
<table id="metrics">{metric_rows}</table>
<h2>Plots</h2>
{figures}
{sample_block}
{health_block}
<h2>Configuration</h2>
<table id="config">{rows}</table>
</body></html>
"""
    path = run_dir / "report.html"
    descriptor, temporary = tempfile.mkstemp(dir=run_dir, prefix=".report-", suffix=".tmp")
    with os.fdopen(descriptor, "w", encoding="utf-8") as file:
        file.write(page)
    os.replace(temporary, path)
    return path


def _number(value: object) -> str:
    if isinstance(value, float):
        return f"{value:.4f}"
    return html.escape(str(value))


def _health_section(findings: list[dict]) -> str:
    """"Training health": one list item per finding (kind, where, severity, message), or a line saying none."""
    items = "\n".join(
        f'<li class="finding severity-{html.escape(str(f.get("severity", "")))}">'
        f'<strong>{html.escape(str(f.get("kind", "")))}</strong> at <code>{html.escape(str(f.get("where", "")))}</code>'
        f' ({html.escape(str(f.get("severity", "")))}): {html.escape(str(f.get("message", "")))}</li>'
        for f in findings
    )
    none = "" if findings else '<p class="healthy">no findings: training looked healthy</p>'
    return f'<h2>Training health</h2>\n<ul id="findings">{items}</ul>\n{none}'
