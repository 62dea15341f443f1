"""The digits tab in the browser: a drawn stroke gives probabilities that sum to 1 and name the drawn class,
with a CNN trained on the spot (a short cnn-digits run) and read back with load_run."""

from __future__ import annotations

import pytest

from .conftest import Page, start_server


@pytest.fixture(scope="module")
def digits_server(tmp_path_factory):
    from glassgrad.playground.digits import DigitsProvider, train_quick

    runs = tmp_path_factory.mktemp("runs")
    train_quick(runs, steps=150)
    provider = DigitsProvider(runs_dir=runs, train=False).start().wait(60)
    assert provider.state == "ready", provider.message
    running = start_server(digits=provider)
    yield running
    running.stop()


def test_a_drawn_one_is_named_with_probabilities_that_sum_to_one(digits_server, browser) -> None:
    page = Page(browser, digits_server.url)
    page.testid("tab-digits").click()
    page.page.wait_for_function("document.querySelector('[data-testid=digits-status]').innerText.includes('ready') "
                                "|| document.querySelector('[data-testid=digits-status]').innerText.includes('from')")
    assert "cnn-digits from" in page.testid("digits-status").inner_text()
    box = page.testid("digit-canvas").bounding_box()
    x = box["x"] + box["width"] / 2
    page.page.mouse.move(x, box["y"] + 40)
    page.page.mouse.down()
    for k in range(1, 11):
        page.page.mouse.move(x, box["y"] + 40 + k * 20)
    page.page.mouse.up()
    page.page.wait_for_function("window.playground.lastDigit !== null", timeout=10000)
    page.page.wait_for_timeout(400)  # the last throttled send after the stroke ended
    rows = page.testid("probs").locator("tr")
    assert rows.count() == 10
    probabilities = [float(rows.nth(k).get_attribute("data-probability")) for k in range(10)]
    assert sum(probabilities) == pytest.approx(1.0, abs=1e-6)
    assert page.testid("prediction").inner_text() == "1"
    assert max(probabilities) == probabilities[1]
    maps = page.testid("feature-maps").locator("canvas")
    assert maps.count() == 16 and maps.first.bounding_box()["width"] > 0
    page.close()
    assert page.errors == []
