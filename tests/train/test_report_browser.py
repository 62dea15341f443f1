"""The report page in a real headless browser: every plot loads and the final metrics are on the page.

Needs Debian's chromium (`.ci/run` installs it) and the playwright package (the test extra); skips without them.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from glassgrad.cli import main

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed")
def test_report_renders_with_every_image_and_the_final_metrics(tmp_path: Path) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    assert main(["train", "mlp-digits", "--steps", "6", "--eval-every", "3", "--out", str(tmp_path)]) == 0
    (run,) = [p for p in tmp_path.iterdir() if p.is_dir()]
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        page = browser.new_page(viewport={"width": 1200, "height": 900})
        page.goto((run / "report.html").as_uri())
        widths = page.eval_on_selector_all("img", "images => images.map(i => i.complete ? i.naturalWidth : 0)")
        accuracy = page.inner_text("#metric-val_accuracy")
        title = page.inner_text("h1")
        page.click("#explain-link a")  # the report links to the explain page, which train wrote beside it
        page.wait_for_load_state()
        explain_title = page.title()
        page.screenshot(path=str(run / "report_screenshot.png"), full_page=True)
        browser.close()
    assert len(widths) >= 5 and all(w > 0 for w in widths), widths
    assert 0.0 <= float(accuracy) <= 1.0
    assert "mlp-digits" in title
    assert (run / "explain.html").is_file() and "explain" in explain_title
