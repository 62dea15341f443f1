"""The page in headless chromium against a real server: it loads cleanly, trains live, restarts on new settings,
shows bad settings as an error, and two tabs train independently."""

from __future__ import annotations

import time

from .conftest import Page


def _loss(page: Page) -> float:
    return float(page.testid("loss").get_attribute("data-train"))


def _play_until(page: Page, steps: int, timeout: float = 20.0) -> None:
    page.testid("play").click()
    page.page.wait_for_function(f"window.playground.lastFrame.step >= {steps}", timeout=timeout * 1000)
    page.testid("play").click()  # pause
    page.page.wait_for_function("window.playground.lastFrame.running === false", timeout=5000)


def test_page_loads_with_every_figure_and_no_console_errors(server, browser) -> None:
    page = Page(browser, server.url)
    for name in ("play", "step", "reset", "loss", "boundary", "network", "curve", "gradnorms"):
        box = page.testid(name).bounding_box()
        assert box is not None and box["width"] > 0 and box["height"] > 0, name
    assert page.testid("error").is_hidden()
    assert page.testid("steps").inner_text() == "0"
    page.close()
    assert page.errors == []


def test_play_makes_the_loss_fall_and_the_boundary_change(server, browser) -> None:
    page = Page(browser, server.url)
    page.testid("learning_rate").fill("0.1")
    page.testid("learning_rate").dispatch_event("change")
    page.page.wait_for_function("window.playground.config.learning_rate === 0.1", timeout=5000)
    before_loss, before_image = _loss(page), page.boundary_pixels()
    _play_until(page, 300)
    after_loss, after_image = _loss(page), page.boundary_pixels()
    assert page.state("lastFrame.step") >= 300
    assert after_loss < before_loss * 0.7, (before_loss, after_loss)
    assert after_image != before_image
    assert int(page.testid("steps").inner_text()) == page.state("lastFrame.step")
    page.close()
    assert page.errors == []


def test_changing_the_activation_or_the_layers_restarts_training(server, browser) -> None:
    page = Page(browser, server.url)
    _play_until(page, 50)
    page.testid("activation").select_option("relu")
    page.page.wait_for_function("window.playground.config.activation === 'relu'", timeout=5000)
    page.page.wait_for_function("window.playground.lastFrame.step === 0", timeout=5000)
    assert page.state("lastFrame.neurons.length") == 2
    _play_until(page, 20)
    page.testid("layers").fill("3,5,2")
    page.testid("layers").dispatch_event("change")
    page.page.wait_for_function("window.playground.config.layers.join(',') === '3,5,2'", timeout=5000)
    page.page.wait_for_function("window.playground.lastFrame.step === 0", timeout=5000)
    assert [len(layer) for layer in page.state("lastFrame.neurons")] == [3, 5, 2]
    assert [len(w) for w in page.state("lastFrame.weights")] == [3, 5, 2, 1]
    page.close()
    assert page.errors == []


def test_an_out_of_bounds_parameter_shows_an_error_and_keeps_the_session(server, browser) -> None:
    page = Page(browser, server.url)
    page.testid("layers").fill("4,9")
    page.testid("layers").dispatch_event("change")
    error = page.testid("error")
    error.wait_for(state="visible", timeout=5000)
    assert "hidden layer 2 has 9 neurons" in error.inner_text() and "1 to 8" in error.inner_text()
    page.testid("learning_rate").fill("50")
    page.testid("learning_rate").dispatch_event("change")
    page.page.wait_for_function("document.querySelector('[data-testid=error]').innerText.includes('learning rate')")
    assert "10" in error.inner_text()
    assert page.state("config.layers") == [4, 2]  # the session runs on with the last good settings
    _play_until(page, 10)
    page.close()
    assert page.errors == []


def test_two_tabs_train_independently(server, browser) -> None:
    first, second = Page(browser, server.url), Page(browser, server.url)
    assert first.state("hello.session") != second.state("hello.session")
    second.testid("dataset").select_option("xor")
    second.page.wait_for_function("window.playground.config.dataset === 'xor'", timeout=5000)
    first.testid("play").click()
    first.page.wait_for_function("window.playground.lastFrame.step >= 100", timeout=20000)
    time.sleep(0.3)
    assert second.state("lastFrame.step") == 0  # the second tab was not playing
    assert first.state("config.dataset") == "circle"
    second.testid("play").click()
    second.page.wait_for_function("window.playground.lastFrame.step >= 50", timeout=20000)
    first.testid("play").click()
    second.testid("play").click()
    for page in (first, second):
        page.page.wait_for_function("window.playground.lastFrame.running === false", timeout=5000)
        page.close()
        assert page.errors == []


def test_the_monitors_findings_show_live(server, browser) -> None:
    page = Page(browser, server.url)
    page.testid("activation").select_option("relu")
    page.testid("learning_rate").fill("3")
    page.testid("learning_rate").dispatch_event("change")
    page.page.wait_for_function("window.playground.config.learning_rate === 3", timeout=5000)
    page.testid("play").click()
    page.page.wait_for_function("document.querySelectorAll('[data-testid=findings] li.warning, "
                                "[data-testid=findings] li.error').length > 0", timeout=15000)
    page.testid("play").click()
    text = page.testid("findings").inner_text()
    assert "Likely cause" in text
    page.close()
    assert page.errors == []
