"""Three pages of the built site in headless Chromium, offline: the index, nn.Linear's reference entry and one
tutorial. No console error, no request leaves the machine (every non-file request is refused and recorded), the
pictures render, and the search page finds nn.Linear from the site's own index.

Needs Debian's chromium and the playwright package; skips without them."""

from __future__ import annotations

import shutil

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed")
def test_three_pages_render_and_search_works_offline(site: dict) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    assert site["status"] == 0, site["warnings"]
    out = site["out"]
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--no-first-run"])
        page = browser.new_page(viewport={"width": 1200, "height": 900})
        errors: list[str] = []
        network: list[str] = []
        page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
        page.on("pageerror", lambda error: errors.append(str(error)))

        def offline(route: object) -> None:
            if route.request.url.startswith("file://"):
                route.continue_()
            else:
                network.append(route.request.url)
                route.abort()

        page.route("**/*", offline)
        seen = {}
        for name, path in (("index", "index.html"), ("linear", "reference/glassgrad.nn.html#glassgrad.nn.Linear"),
                           ("tutorial", "learn/neuron.html")):
            page.goto(f"{out.as_uri()}/{path}")
            page.wait_for_load_state("load")
            seen[name] = page.eval_on_selector_all(
                "img", "els => els.map(e => [e.getAttribute('src'), e.complete ? e.naturalWidth : 0,"
                " e.getBoundingClientRect().height])")
            if name == "linear":
                entry = page.locator('dl.py.class:has(> dt[id="glassgrad.nn.Linear"])')
                assert entry.count() == 1
                text = entry.inner_text()  # the signature, the formula (as LaTeX source) and the shapes
                assert "in_features" in text and "y = xW^T + b" in text and "Output:" in text, text
        page.goto(f"{out.as_uri()}/search.html?q=Linear")
        page.wait_for_selector("#search-results ul li", timeout=20000)
        results = page.eval_on_selector_all("#search-results ul li a", "links => links.map(a => a.href)")
        browser.close()
    assert errors == [] and network == [], (errors, network)
    pictures = seen["tutorial"]
    assert pictures, "the tutorial has no picture"
    for src, natural_width, height in pictures:
        assert natural_width > 0 and height > 0, src
    assert any(link.endswith("reference/glassgrad.nn.html#glassgrad.nn.Linear") for link in results), results
