"""Findings: read a Monitor's history and say, in plain words, what looks wrong and what to try.

Thresholds (calibrated in tests/diagnostics/): a layer is flagged when the condition holds on at least half
of the recorded steps (and on the last one), so one noisy record does not raise a warning.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

DEAD_FRACTION = 0.5            # over half the units of a ReLU/GELU never fire in a window
SATURATED_FRACTION = 0.5       # over half of a tanh/sigmoid's outputs sit near its bounds
VANISHING_RATIO = 1e-3         # first layer's gradient norm below 1/1000 of the last layer's
EXPLODING_LOG10_GRAD = 1.0     # gradient std 10x the data's std
UPDATE_HIGH_LOG10 = -1.0       # Karpathy's rule of thumb is about -3; above -1 a step rewrites 10% of a weight
UPDATE_LOW_LOG10 = -4.0        # below -4 the weights barely move
SPIKE_MAX_FACTOR = 5.0         # one loss above 5x its start is a spike
SPIKE_FACTOR = 1.5             # loss above 1.5x its starting value counts as rising


@dataclass
class Finding:
    kind: str
    where: str
    steps: list[int]
    severity: str   # "warning" or "error"
    message: str
    headline: str = ""  # a few words for a progress bar: "layer 2: 6 of 8 units dead", "loss diverging"

    def __post_init__(self) -> None:
        if not self.headline:
            self.headline = f"{self.kind.replace('_', ' ')} at {self.where}"

    def to_dict(self) -> dict:
        """The finding as JSON-ready values (what findings.json holds)."""
        return asdict(self)


def _persistent(steps_flagged: list[int], steps_all: list[int]) -> bool:
    return bool(steps_flagged) and len(steps_flagged) * 2 >= len(steps_all) and steps_flagged[-1] == steps_all[-1]


def diagnose(monitor) -> list[Finding]:
    """All findings over the monitor's history, errors first."""
    history = monitor.history
    if not history:
        return []
    steps = [r["step"] for r in history]
    findings = _divergence(monitor, history)
    findings += _layer_findings(history, steps)
    findings += _gradient_findings(history, steps)
    findings += _update_findings(history, steps)
    return sorted(findings, key=lambda f: f.severity != "error")


def _divergence(monitor, history) -> list[Finding]:
    losses = monitor.losses
    bad = [r["step"] for r in history if not r["loss_finite"]]
    if bad:
        return [Finding("divergence", "loss", bad, "error",
                        f"The loss became non-finite (NaN or inf) at step {bad[0]}. Likely cause: the learning rate "
                        "is too high, so the weights blew up. Try a learning rate 3-10x lower, gradient clipping "
                        "(clip_grad_norm_), or a learning-rate warmup.", f"loss non-finite at step {bad[0]}")]
    if not losses:  # a history read back on resume, before this process has seen a loss
        return []
    start = sum(losses[: max(1, len(losses) // 10)]) / max(1, len(losses) // 10)
    tail = losses[-max(1, len(losses) // 10):]
    end = sum(tail) / len(tail)
    first = losses[0]  # the untrained model's loss: the reference a spike is measured against
    spikes = [r["step"] for r in history if r["loss"] > SPIKE_MAX_FACTOR * first]
    if len(losses) >= 10 and max(losses) > SPIKE_MAX_FACTOR * first:
        return [Finding("divergence", "loss", spikes or [history[-1]["step"]], "error",
                        f"The loss spiked to {max(losses):.3g}, over {SPIKE_MAX_FACTOR:g}x its first value "
                        f"({first:.3g}). "
                        "Likely cause: the learning rate is too high. Try a learning rate 3-10x lower, gradient "
                        "clipping, or a warmup.", "loss spiking")]
    if len(losses) >= 10 and end > SPIKE_FACTOR * start:
        return [Finding("divergence", "loss", [r["step"] for r in history[-3:]], "error",
                        f"The loss rose from {start:.3g} to {end:.3g} instead of falling. Likely cause: the "
                        "learning rate is too high. Try a learning rate 3-10x lower or gradient clipping.",
                        "loss diverging")]
    return []


# Per-layer conditions: (kind, the record's key, the fraction above which it counts, the message's template).
_LAYER_CONDITIONS = (
    ("dead_units", "dead_fraction", DEAD_FRACTION,
     "{frac:.0%} of the units of {name} never output a positive value: they are dead and pass no gradient. Likely "
     "cause: a large negative bias or a learning rate that pushed them off. Try a smaller learning rate, zero or "
     "small positive bias init, Kaiming init, or LeakyReLU/GELU."),
    ("saturation", "saturated", SATURATED_FRACTION,
     "{frac:.0%} of the outputs of {name} sit at the activation's bounds, where its slope is near zero, so little "
     "gradient flows back. Likely cause: weights initialised too large. Try a smaller init (Xavier/Kaiming, scale "
     "by 1/sqrt(fan_in)) or a normalisation layer before the activation."),
)


def _layer_findings(history, steps) -> list[Finding]:
    findings = []
    names = {n for r in history for n in r["layers"]}
    for name in sorted(names):
        for kind, key, threshold, message in _LAYER_CONDITIONS:
            hits = [r["step"] for r in history if r["layers"].get(name, {}).get(key, 0.0) > threshold]
            if _persistent(hits, steps):
                last = history[-1]["layers"][name]
                frac = last[key]
                findings.append(Finding(kind, name, hits, "warning", message.format(frac=frac, name=name),
                                        _layer_headline(kind, name, last)))
    return findings


def _layer_headline(kind: str, name: str, stats: dict) -> str:
    if kind == "dead_units" and "units" in stats:
        units = stats["units"]
        return f"layer {name}: {round(stats['dead_fraction'] * units)} of {units} units dead"
    if kind == "dead_units":
        return f"layer {name}: {stats['dead_fraction']:.0%} of units dead"
    return f"layer {name}: {stats['saturated']:.0%} saturated"


def _weights(record) -> list[tuple[str, dict]]:
    """Weight matrices (ndim >= 2 parameters, approximated by name), in registration order."""
    return [(n, s) for n, s in record["params"].items() if not n.endswith("bias") and "grad_norm" in s]


def _gradient_findings(history, steps) -> list[Finding]:
    findings = []
    vanishing, exploding, worst = [], [], {}
    for r in history:
        weights = _weights(r)
        if len(weights) >= 3:
            first, last = weights[0][1]["grad_norm"], weights[-1][1]["grad_norm"]
            if last > 0 and first / last < VANISHING_RATIO:
                vanishing.append(r["step"])
                worst["vanishing"] = (weights[0][0], first / last)
        big = [(n, s["log10_grad_to_data"]) for n, s in weights if s.get("log10_grad_to_data", -math.inf) >
               EXPLODING_LOG10_GRAD]
        if big:
            exploding.append(r["step"])
            worst["exploding"] = big[0]
    if _persistent(vanishing, steps):
        name, ratio = worst["vanishing"]
        findings.append(Finding("vanishing_gradients", name, vanishing, "warning",
                                f"The gradient reaching {name} is {ratio:.1e} times the last layer's: the early "
                                "layers barely learn. Likely cause: a deep stack of saturating activations "
                                "(sigmoid/tanh) or a poor init. Try ReLU/GELU, residual connections, a "
                                "normalisation layer, or Kaiming/Xavier init.", f"vanishing gradients at {name}"))
    if _persistent(exploding, steps):
        name, value = worst["exploding"]
        findings.append(Finding("exploding_gradients", name, exploding, "warning",
                                f"The gradient of {name} is 10^{value:.1f} times its weights: gradients are "
                                "exploding. Try gradient clipping, a lower learning rate, or a smaller init.",
                                f"exploding gradients at {name}"))
    return findings


def _update_findings(history, steps) -> list[Finding]:
    findings = []
    high, low = [], []
    for r in history:
        ratios = [s["log10_update_to_data"] for _, s in _weights(r) if "log10_update_to_data" in s]
        ratios = [x for x in ratios if math.isfinite(x)]
        if not ratios:
            continue
        median = sorted(ratios)[len(ratios) // 2]
        if median > UPDATE_HIGH_LOG10:
            high.append((r["step"], median))
        elif median < UPDATE_LOW_LOG10:
            low.append((r["step"], median))
    if _persistent([s for s, _ in high], steps):
        findings.append(Finding("update_ratio_high", "weights", [s for s, _ in high], "warning",
                                f"Each step changes the weights by 10^{high[-1][1]:.1f} of their size (a healthy "
                                "value is near 10^-3). Likely cause: the learning rate is too high. Try a "
                                "learning rate 3-10x lower.", f"updates too large (10^{high[-1][1]:.1f})"))
    if _persistent([s for s, _ in low], steps):
        findings.append(Finding("update_ratio_low", "weights", [s for s, _ in low], "warning",
                                f"Each step changes the weights by only 10^{low[-1][1]:.1f} of their size (a "
                                "healthy value is near 10^-3), so training crawls. Likely cause: the learning "
                                "rate is too low. Try a learning rate 10-100x higher.",
                                f"updates too small (10^{low[-1][1]:.1f})"))
    return findings
