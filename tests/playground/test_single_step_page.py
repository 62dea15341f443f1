"""Single-step mode in the browser: a click on a neuron shows its value and gradient, which match glassgrad
computed directly from the weights the page held before the step and the example the page names."""

from __future__ import annotations

import numpy as np
import pytest

import glassgrad as gg
from glassgrad import nn
from glassgrad.nn import functional as F

from .conftest import Page


def _direct(weights_before: list[dict], point: list[float], target: float, batch_size: int, layer: int, unit: int):
    """Layer `layer`'s unit `unit` value and dL/da for one example, with glassgrad layers built here (tanh MLP)."""
    linears = []
    for entry in weights_before:
        w = np.array(entry["weight"], dtype=np.float32)
        linear = nn.Linear(w.shape[1], w.shape[0])
        with gg.no_grad():
            linear.weight.copy_(gg.tensor(w))
            linear.bias.copy_(gg.tensor(np.array(entry["bias"], dtype=np.float32)))
        linears.append(linear)
    h = gg.tensor(np.array([point], dtype=np.float32))
    hidden = []
    for linear in linears[:-1]:
        h = gg.tanh(linear(h))
        h.retain_grad()
        hidden.append(h)
    logit = linears[-1](h)
    loss = F.binary_cross_entropy_with_logits(logit, gg.tensor([[target]])) / batch_size  # the batch mean's share
    loss.backward()
    chosen = hidden[layer - 1]
    return float(chosen.detach().numpy()[0, unit]), float(chosen.grad.numpy()[0, unit])


def test_step_then_click_shows_a_neurons_value_and_gradient(server, browser) -> None:
    page = Page(browser, server.url)
    page.testid("step").click()
    page.page.wait_for_function("window.playground.lastStep !== null && window.playground.lastFrame.step === 1")
    step = page.state("lastStep")
    centre = page.page.evaluate("() => window.playground.neuronCentre(2, 1)")
    page.page.mouse.click(centre["x"], centre["y"])
    page.testid("inspector").wait_for(state="visible", timeout=5000)
    value = float(page.testid("neuron-value").inner_text())
    grad = float(page.testid("neuron-grad").inner_text())
    expected_value, expected_grad = _direct(step["weights_before"], step["point"], step["target"],
                                            step["batch_size"], layer=2, unit=1)  # fmt: skip
    assert value == pytest.approx(expected_value, rel=1e-4, abs=1e-6)
    assert grad == pytest.approx(expected_grad, rel=1e-3, abs=1e-8)
    assert abs(expected_grad) > 0
    zoom = page.state("lastInspect.zoom")
    assert zoom["z"] == pytest.approx(sum(t["product"] for t in zoom["terms"]) + zoom["bias"], abs=1e-6)
    assert zoom["da_dz"] == pytest.approx(1 - zoom["a"] ** 2, abs=1e-6)  # tanh' = 1 - tanh²
    # header, 4 terms (layer 1 has 4 neurons), bias, z, a, da/dz, dL/da, dL/dz
    assert page.testid("zoom").locator("tr").count() == 1 + 4 + 6
    page.close()
    assert page.errors == []
