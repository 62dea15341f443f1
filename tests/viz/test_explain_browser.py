"""The explain page of real (tiny) runs in headless Chromium: every picture and the graph's SVG render with a
non-zero size, the findings list is there, and the page logs no error.

Needs Debian's chromium and the playwright package; skips without them. `glassgrad train` writes health.jsonl
and findings.json; where this checkout's train does not yet, a few monitored steps write them here.
"""

from __future__ import annotations

import dataclasses
import json
import shutil
from pathlib import Path

import pytest

from glassgrad.cli import main
from glassgrad.train.recipes import get_recipe

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def tiny_run(tmp_path: Path, recipe: str, steps: int) -> Path:
    if not get_recipe(recipe).available():
        pytest.skip(f"{recipe} needs data files this machine lacks")
    out = tmp_path / recipe
    assert main(["train", recipe, "--steps", str(steps), "--eval-every", str(steps), "--eval-limit", "64",
                 "--out", str(out)]) == 0
    (run,) = [p for p in out.iterdir() if p.is_dir()]
    if not (run / "health.jsonl").is_file():
        write_health(run, steps)
    return run


def write_health(run: Path, steps: int) -> None:
    from glassgrad.diagnostics import Monitor
    from glassgrad.train.run import load_run

    _, experiment, _ = load_run(run)
    with Monitor(experiment.model, experiment.optimizer, every=1, run_dir=str(run)) as monitor:
        for step in range(steps):
            experiment.optimizer.zero_grad()
            loss = experiment.loss_fn(experiment.model, *experiment.batches.batch(step))[0]
            loss.backward()
            experiment.optimizer.step()
            monitor.step(loss)
    (run / "findings.json").write_text(json.dumps([dataclasses.asdict(f) for f in monitor.diagnose()]))


def open_page(page_path: Path) -> dict:
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--no-first-run"])
        page = browser.new_page(viewport={"width": 1200, "height": 900})
        errors: list[str] = []
        page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(page_path.as_uri())
        page.wait_for_selector("#graph svg", timeout=20000)  # viz.js lays the graph out in the page
        figures = page.eval_on_selector_all(
            "img, #graph > svg",
            "els => els.map(e => [e.tagName, e.getBoundingClientRect().width, e.getBoundingClientRect().height,"
            " e.tagName === 'IMG' ? (e.complete ? e.naturalWidth : 0) : 1])")
        findings = page.eval_on_selector_all("#findings li", "items => items.map(i => i.innerText)")
        sections = page.eval_on_selector_all("section", "s => s.map(e => e.id)")
        browser.close()
    return {"errors": errors, "figures": figures, "findings": findings, "sections": sections}


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed")
def test_explain_pages_render_in_a_browser(tmp_path: Path) -> None:
    pytest.importorskip("playwright.sync_api")
    for recipe, steps, family in (("mlp-digits", 6, "confused"), ("gpt-shakespeare", 2, "attention")):
        run = tiny_run(tmp_path, recipe, steps)
        assert main(["explain", str(run)]) == 0
        seen = open_page(run / "explain.html")
        assert seen["errors"] == [], (recipe, seen["errors"])
        assert len(seen["figures"]) >= 5, (recipe, seen["figures"])
        assert sum(tag.lower() == "svg" for tag, *_ in seen["figures"]) == 1
        for tag, width, height, natural in seen["figures"]:
            assert width > 0 and height > 0 and natural > 0, (recipe, tag, width, height)
        assert seen["findings"], recipe  # a finding per line, or "health ok"
        for section in ("summary", "graph", "activations", "gradients", "updates", "findings-section", family):
            assert section in seen["sections"], (recipe, section)
