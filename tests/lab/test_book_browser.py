"""The lab book in a real headless browser: every picture loads, every experiment run has its section and claims
table, and the page logs no console error.

Needs Debian's chromium and the playwright package; skips without them.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import glassgrad.lab as lab

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
MINE = ["neuron", "layers", "activations", "collapse", "forward"]  # quick runs, a few seconds in all


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed")
def test_lab_book_renders_every_picture_and_section_without_console_errors(tmp_path: Path) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    results = {name: lab.run(name, out_dir=tmp_path) for name in MINE}
    book = lab.build_book(tmp_path)
    errors: list[str] = []
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--no-first-run"],
        )  # fmt: skip
        page = browser.new_page(viewport={"width": 1200, "height": 900})
        page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(book.as_uri())
        page.wait_for_load_state("load")
        widths = page.eval_on_selector_all("img", "images => images.map(i => i.complete ? i.naturalWidth : 0)")
        sections = page.eval_on_selector_all("section", "nodes => nodes.map(n => n.id)")
        claim_rows = {
            name: page.eval_on_selector_all(f"#exp-{name} table.claims tbody tr", "rows => rows.length")
            for name in MINE
        }
        verdicts = page.eval_on_selector_all("#exp-layers td.verdict", "cells => cells.map(c => c.innerText)")
        code = page.text_content("#exp-neuron details pre") or ""  # inside a closed <details>: not rendered text
        links = page.eval_on_selector_all("nav a", "links => links.map(a => a.getAttribute('href'))")
        page.screenshot(path=str(tmp_path / "lab_book_screenshot.png"), full_page=True)
        browser.close()

    assert errors == []
    figures = sum(len(result.figures) for result in results.values())
    assert len(widths) == figures >= 7 and all(w > 0 for w in widths), widths
    assert sections == [f"exp-{name}" for name in MINE]
    assert links == [f"#exp-{name}" for name in MINE]
    assert claim_rows == {name: len(result.claims) for name, result in results.items()}
    # A claim that does not hold is shown as such (the layers experiment's no-hidden-layer prediction).
    assert verdicts.count("does not hold") == sum(not c.holds for c in results["layers"].claims)
    assert "def run(bench)" in code and "TITLE" in code
    assert (tmp_path / "lab_book_screenshot.png").stat().st_size > 10_000
