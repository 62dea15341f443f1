"""One browser tab's state: its settings, data, network, step count and the Monitor watching it, and the frames
the page draws (decision boundary, neuron outputs over the plane, weights, gradients, losses, findings).

A Session knows nothing of sockets: server.py drives it (`train(n)`, `frame()`, `single_step()`, `inspect()`),
so the same object is tested without a server.
"""

from __future__ import annotations

import math
import time

import numpy as np

import glassgrad as gg
from glassgrad.diagnostics import Monitor

from . import datasets, network
from .validate import PlaygroundConfig, validate
from .zoom import neuron_zoom

GRID = 40  # the boundary image is GRID×GRID values over [-6, 6]²
NEURON_GRID = 20  # each neuron's thumbnail: every other grid point
MONITOR_EVERY = 10
FINDINGS_EVERY_S = 0.5  # diagnose() reads the whole history: at most twice a second
HISTORY_KEPT = 60  # Monitor records kept (a long session would otherwise grow without bound)


def plane_points(size: int) -> np.ndarray:
    """size×size points (row-major, top row first: x₂ falls as the row grows, as on screen) over the plane."""
    axis = np.linspace(-datasets.EXTENT, datasets.EXTENT, size)
    x1, x2 = np.meshgrid(axis, axis[::-1])
    return np.stack([x1.ravel(), x2.ravel()], axis=1).astype(np.float32)


class Session:
    """Build with the page's settings (a dict, checked by validate.validate); `running` is play/pause."""

    def __init__(self, values: dict | None = None) -> None:
        self.config = validate(values or {})
        self.running = False
        self._grid = plane_points(GRID)
        self._rebuild()

    # ---- settings ---------------------------------------------------------------------------------------------
    def configure(self, values: dict) -> None:
        """New settings over the current ones; any change restarts training from step 0 (a ParameterError
        leaves the session as it was)."""
        self.config = validate(values, base=self.config)
        self._rebuild()

    def reset(self) -> None:
        self._rebuild()

    def _rebuild(self) -> None:
        c = self.config
        self.data = datasets.split(c.dataset, c.n_points, c.noise / 100, c.train_percent / 100, c.seed)
        self.net = network.build(c)
        if getattr(self, "monitor", None) is not None:
            self.monitor.remove()
        self.monitor = Monitor(self.net.model, self.net.optimizer, every=MONITOR_EVERY)
        self._batches = np.random.default_rng(c.seed + 2)
        self.step_count = 0
        self.curve: list[tuple[int, float, float]] = []  # (step, train loss, test loss), one per frame
        self.last_step: dict | None = None
        self._findings: list[dict] = []
        self._findings_at = 0.0

    # ---- training ---------------------------------------------------------------------------------------------
    def train(self, steps: int, budget_s: float = math.inf) -> int:
        """Up to `steps` training steps, stopping early once `budget_s` seconds are spent; returns how many ran."""
        start = time.perf_counter()
        done = 0
        while done < steps and time.perf_counter() - start < budget_s:
            self._step(capture=False)
            done += 1
        return done

    def single_step(self) -> dict:
        """One forward and one backward pass and one update, keeping every neuron's value and gradient for the
        batch's first example (read them with `inspect`). Returns what the page shows of that example."""
        self._step(capture=True)
        detail = self.last_step
        return {"point": detail["point"], "target": detail["target"], "loss": detail["loss"],
                "batch_size": detail["batch_size"], "step": self.step_count}  # fmt: skip

    def _step(self, capture: bool) -> None:
        index = self._batches.integers(0, len(self.data.x_train), self.config.batch_size)
        points, targets = self.data.x_train[index], self.data.y_train[index]
        x = self.net.inputs(points)
        if capture:
            outputs = self.net.layer_outputs(x)
            for tensor in outputs:
                tensor.retain_grad()  # dL/d(activation) of every neuron, read below
            before = [(_array(lin.weight).copy(), _array(lin.bias).copy()) for lin in self.net.linears]
        else:
            outputs = [self.net.model(x)]
        loss = self.net.data_loss(outputs[-1], targets)
        penalty = self.net.penalty()
        total = loss if penalty is None else loss + penalty
        self.net.optimizer.zero_grad()
        total.backward()
        if capture:
            self.last_step = {
                "features": x.numpy()[0].astype(np.float64),
                "point": [float(v) for v in points[0]],
                "target": float(targets[0]),
                "batch_size": len(index),
                "loss": float(loss.item()),
                "weights": before,
                "values": [t.detach().numpy()[0].astype(np.float64) for t in outputs],
                "grads": [t.grad.numpy()[0].astype(np.float64) for t in outputs],
            }
        self.net.optimizer.step()
        if self.net.scheduler is not None:
            self.net.scheduler.step()
        self.monitor.step(loss)
        del self.monitor.history[:-HISTORY_KEPT]
        # keep the first loss: diagnose() measures spikes against the untrained model's loss
        kept = 10 * HISTORY_KEPT * MONITOR_EVERY
        if len(self.monitor.losses) > kept + 1:
            del self.monitor.losses[1:-kept]
        self.step_count += 1

    def inspect(self, layer: int, neuron: int) -> dict:
        """Neuron `neuron` of layer `layer` (1-based hidden layers; len(layers)+1 is the output) at the last
        single step: its value, its gradient and its scalar zoom (zoom.py)."""
        if self.last_step is None:
            raise LookupError("press step first: a neuron's value and gradient come from one forward and backward pass")
        widths = [*self.config.layers, 1]
        if not 1 <= layer <= len(widths) or not 0 <= neuron < widths[layer - 1]:
            raise IndexError(f"there is no neuron {neuron} in layer {layer}; the layers have {widths} neurons")
        detail = self.last_step
        weights, bias = detail["weights"][layer - 1]
        inputs = detail["features"] if layer == 1 else detail["values"][layer - 2]
        input_names = list(self.config.features) if layer == 1 else [f"h{layer - 1}.{k}" for k in range(len(inputs))]
        activation = "linear" if layer == len(widths) else self.config.activation
        zoom = neuron_zoom(weights[neuron], bias[neuron], inputs, input_names, activation,
                           float(detail["grads"][layer - 1][neuron]))  # fmt: skip
        return {"layer": layer, "neuron": neuron, "point": detail["point"], "batch_size": detail["batch_size"],
                "value": float(detail["values"][layer - 1][neuron]),
                "grad": float(detail["grads"][layer - 1][neuron]), "zoom": zoom}  # fmt: skip

    # ---- what the page draws ----------------------------------------------------------------------------------
    def data_message(self) -> dict:
        d = self.data
        return {"type": "data", "task": d.task, "config": self.config.to_dict(),
                "train": _points(d.x_train, d.y_train), "test": _points(d.x_test, d.y_test)}  # fmt: skip

    def frame(self) -> dict:
        """Everything the page draws, as JSON-ready lists: one forward pass over the grid gives the boundary and
        every neuron's output over the plane."""
        with gg.no_grad():
            outputs = self.net.layer_outputs(self.net.inputs(self._grid))
        boundary = self.net.prediction(outputs[-1])
        every = GRID // NEURON_GRID
        neurons = []
        for hidden in outputs[:-1]:
            values = hidden.numpy().reshape(GRID, GRID, -1)[::every, ::every]  # (NEURON_GRID, NEURON_GRID, width)
            neurons.append([_rounded(values[:, :, k].ravel()) for k in range(values.shape[2])])
        train_loss = self.net.loss_value(self.data.x_train, self.data.y_train)
        test_loss = self.net.loss_value(self.data.x_test, self.data.y_test)
        if not self.curve or self.curve[-1][0] != self.step_count:
            self.curve.append((self.step_count, train_loss, test_loss))
        return {
            "type": "frame",
            "step": self.step_count,
            "running": self.running,
            "lr": float(self.net.optimizer.param_groups[0]["lr"]),
            "train_loss": _finite(train_loss),
            "test_loss": _finite(test_loss),
            "curve": [[s, _finite(a), _finite(b)] for s, a, b in self.curve[-500:]],
            "boundary": {"size": GRID, "values": _rounded(boundary)},
            "neurons": neurons,
            "neuron_grid": NEURON_GRID,
            "weights": [_rounded(lin.weight.detach().numpy(), 5) for lin in self.net.linears],
            "biases": [_rounded(lin.bias.detach().numpy(), 5) for lin in self.net.linears],
            "grads": [_grad(lin.weight) for lin in self.net.linears],
            "grad_norms": [_grad_norm(lin) for lin in self.net.linears],
            "findings": self.findings(),
        }

    def findings(self) -> list[dict]:
        """The Monitor's findings in the page's words, refreshed at most every FINDINGS_EVERY_S seconds."""
        now = time.monotonic()
        if now - self._findings_at >= FINDINGS_EVERY_S:
            self._findings_at = now
            self._findings = [_finding(f, self.config) for f in self.monitor.diagnose()]
        return self._findings

    def close(self) -> None:
        self.running = False
        self.monitor.remove()


def _finding(finding, config: PlaygroundConfig) -> dict:
    """A Finding for the page, with a headline such as "layer 2: 6 of 8 units dead"."""
    headline = finding.where
    if finding.where.startswith("layer") and finding.where[5:].isdigit():
        layer = int(finding.where[5:])
        width = config.layers[layer - 1]
        fraction = {"dead_units": "dead", "saturation": "saturated"}.get(finding.kind)
        if fraction:
            count = round(_fraction_from(finding.message) * width)
            headline = f"layer {layer}: {count} of {width} units {fraction}"
    return {"kind": finding.kind, "where": finding.where, "severity": finding.severity,
            "headline": headline, "message": finding.message}  # fmt: skip


def _fraction_from(message: str) -> float:
    # the layer findings' messages open with the fraction ("75% of the units of layer2 ...")
    head = message.split("%", 1)[0]
    return float(head) / 100 if head.replace(".", "", 1).isdigit() else 0.0


def _points(points: np.ndarray, targets: np.ndarray) -> list[list[float]]:
    return [[round(float(a), 3), round(float(b), 3), round(float(t), 3)] for (a, b), t in zip(points, targets)]


def _rounded(values: np.ndarray, digits: int = 3) -> list:
    # 3 decimals are finer than a colour step and keep a frame small; NaN/inf become None (JSON has neither)
    array = np.round(np.asarray(values, dtype=np.float64), digits)
    return array.tolist() if np.isfinite(array).all() else _nulls(array)


def _nulls(array: np.ndarray) -> list:
    return [_nulls(row) for row in array] if array.ndim > 1 else [_finite(v) for v in array.tolist()]


def _array(tensor) -> np.ndarray:
    return tensor.detach().numpy()


def _finite(value: float) -> float | None:
    return value if math.isfinite(value) else None


def _grad(weight) -> list | None:
    return None if weight.grad is None else _rounded(weight.grad.numpy(), 6)


def _grad_norm(linear) -> float | None:
    if linear.weight.grad is None:
        return None
    squares = sum(float((p.grad.numpy().astype(np.float64) ** 2).sum()) for p in (linear.weight, linear.bias))
    return _finite(math.sqrt(squares))
