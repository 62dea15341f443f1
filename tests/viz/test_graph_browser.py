"""The graph page in a real headless browser: the SVG lays out, node counts match, a click opens a folded block.

Needs Debian's chromium and the playwright package (the test extra); skips without them.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

import glassgrad as gg
import glassgrad.nn as nn
from glassgrad.viz import draw_graph

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]


def open_page(sync_api, path: Path):
    playwright = sync_api.sync_playwright().start()
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(path.as_uri())
    page.wait_for_selector("#graph svg")
    return playwright, browser, page, errors


def svg_state(page):
    return page.evaluate("""() => { const s = document.querySelector('#graph svg'), r = s.getBoundingClientRect();
        return {w: r.width, h: r.height, nodes: s.querySelectorAll('g.node').length,
                blocks: s.querySelectorAll('g.node[id^="block:"]').length}; }""")


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed")
def test_folded_gpt_page_renders_and_opens_a_block_on_click(tmp_path: Path) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    from glassgrad.models.gpt import GPT, GPTConfig

    gg.manual_seed(0)
    model = GPT(GPTConfig(n_layer=2, n_head=2, n_embd=32, block_size=16, vocab_size=11))
    idx = gg.tensor(np.random.default_rng(0).integers(0, 11, (1, 16)))
    drawing = draw_graph(model, input=(idx, idx), depth=1)
    path = drawing.save(tmp_path / "gpt.html")
    opened = draw_graph(model, input=(idx, idx), depth=1)
    opened.open_modules.add("transformer.h.0")
    from glassgrad.viz.graph_build import to_dot

    after_dot, after_labels = to_dot(opened.description, opened.open_modules)
    playwright, browser, page, errors = open_page(sync_api, path)
    try:
        # the page's JavaScript builds exactly the DOT that Python builds, before and after opening a block
        js_dot = page.evaluate("() => toDot(DESC, new Set(OPEN))")
        js_opened = page.evaluate("() => toDot(DESC, new Set([...OPEN, 'transformer.h.0']))")
        before = svg_state(page)
        page.click('g.node[id="block:transformer.h.0"]')
        page.wait_for_function(f"document.querySelectorAll('#graph svg g.node').length > {before['nodes']}")
        after = svg_state(page)
        page.screenshot(path=str(tmp_path / "gpt.png"))
    finally:
        browser.close()
        playwright.stop()
    assert before["w"] > 100 and before["h"] > 100
    assert before["nodes"] == len(drawing.nodes)
    assert after["nodes"] == len(after_labels) > before["nodes"]  # the block's ln_1, attn, ln_2, mlp, add...
    assert after["w"] > 0 and after["h"] > 0
    assert js_dot == drawing.dot and js_opened == after_dot
    assert errors == []


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed")
def test_zoom_page_renders(tmp_path: Path) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    gg.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 2), nn.Sigmoid())
    drawing = draw_graph(model, input=gg.randn(1, 3), zoom=(model[0], (0, 1)))
    playwright, browser, page, errors = open_page(sync_api, drawing.save(tmp_path / "zoom.html"))
    try:
        state = svg_state(page)
    finally:
        browser.close()
        playwright.stop()
    assert state["w"] > 100 and state["h"] > 50 and state["nodes"] == len(drawing.nodes) == 3 * 4 + 5
    assert errors == []
