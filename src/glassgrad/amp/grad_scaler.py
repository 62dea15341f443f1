"""`torch.amp.GradScaler`: loss scaling, so that small float16 gradients do not round to zero.

The recipe (Micikevicius et al., "Mixed Precision Training", 2018), as PyTorch runs it:

    scaler.scale(loss).backward()   # backward of S·loss: every gradient is S times the true one
    scaler.unscale_(optimizer)      # optional (to clip true gradients): grad ← grad · (1/S), note any inf/NaN
    scaler.step(optimizer)          # unscales if not yet done; skips optimizer.step() if a gradient was not finite
    scaler.update()                 # a non-finite step: S ← S·backoff; `growth_interval` clean steps: S ← S·growth

S starts at 2**16 and stays a power of two (growth 2, backoff 0.5 by default), so scaling and unscaling a
float32 gradient is exact: with float32 parameters the scaler changes nothing but the skipped steps.
A disabled scaler (enabled=False, or a cuda scaler without a GPU) passes everything through.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

from ..autograd import no_grad
from ..backend import cuda_is_available, namespace_of


class GradScaler:
    def __init__(self, device: str = "cuda", init_scale: float = 2.0**16, growth_factor: float = 2.0,
                 backoff_factor: float = 0.5, growth_interval: int = 2000, enabled: bool = True) -> None:
        if enabled and device == "cuda" and not cuda_is_available():
            warnings.warn("torch.cuda.amp.GradScaler is enabled, but CUDA is not available.  Disabling.",
                          stacklevel=2)
            enabled = False
        if growth_factor <= 1.0:
            raise ValueError(f"GradScaler: growth_factor must be > 1, got {growth_factor}")
        if not 0.0 < backoff_factor < 1.0:
            raise ValueError(f"GradScaler: backoff_factor must be in (0, 1), got {backoff_factor}")
        if not (isinstance(growth_interval, int) and growth_interval > 0):
            raise ValueError(f"GradScaler: growth_interval must be a positive int, got {growth_interval!r}")
        self.device = device
        self._enabled = bool(enabled)
        self._scale = float(init_scale)
        self._growth_factor = float(growth_factor)
        self._backoff_factor = float(backoff_factor)
        self._growth_interval = growth_interval
        self._growth_tracker = 0
        self._per_optimizer: dict[int, dict[str, bool]] = {}  # id(optimizer) -> {"unscaled", "found_inf", "stepped"}

    def is_enabled(self) -> bool:
        return self._enabled

    def get_scale(self) -> float:
        return self._scale if self._enabled else 1.0

    def get_growth_factor(self) -> float:
        return self._growth_factor

    def get_backoff_factor(self) -> float:
        return self._backoff_factor

    def get_growth_interval(self) -> int:
        return self._growth_interval

    def scale(self, outputs: Any) -> Any:
        """outputs · S (a tensor, or a list/tuple of them): its backward gives S times each gradient."""
        if not self._enabled:
            return outputs
        if isinstance(outputs, (list, tuple)):
            return type(outputs)(self.scale(output) for output in outputs)
        return outputs * self._scale

    def _state(self, optimizer: Any) -> dict[str, bool]:
        return self._per_optimizer.setdefault(id(optimizer), {"unscaled": False, "found_inf": False,
                                                              "stepped": False})

    def unscale_(self, optimizer: Any) -> None:
        """Divide this optimizer's gradients by S in place, and note whether any is inf or NaN."""
        if not self._enabled:
            return
        state = self._state(optimizer)
        if state["unscaled"]:
            raise RuntimeError("GradScaler.unscale_() has already been called on this optimizer since the last "
                               "update(); call it once per step, before step()")
        if state["stepped"]:
            raise RuntimeError("GradScaler.unscale_() is being called after step(); call it before step()")
        inverse = 1.0 / self._scale  # exact: S is a power of two
        found_inf = False
        with no_grad():
            for group in optimizer.param_groups:
                for parameter in group["params"]:
                    if parameter.grad is None:
                        continue
                    parameter.grad.mul_(inverse)
                    array = parameter.grad.array
                    found_inf = found_inf or not bool(namespace_of(array).isfinite(array).all())
        state["unscaled"] = True
        state["found_inf"] = found_inf

    def step(self, optimizer: Any, *args: Any, **kwargs: Any) -> Any:
        """optimizer.step() on the unscaled gradients, or nothing when one of them was not finite."""
        if not self._enabled:
            return optimizer.step(*args, **kwargs)
        if "closure" in kwargs:
            raise RuntimeError("GradScaler.step: closures are not supported while the scaler is enabled")
        state = self._state(optimizer)
        if state["stepped"]:
            raise RuntimeError("GradScaler.step() has already been called since the last update()")
        if not state["unscaled"]:
            self.unscale_(optimizer)
        state["stepped"] = True
        return None if state["found_inf"] else optimizer.step(*args, **kwargs)

    def update(self, new_scale: float | None = None) -> None:
        """Back off after a non-finite step, grow after `growth_interval` clean ones; start the next step."""
        if not self._enabled:
            return
        if new_scale is not None:
            self._scale = float(new_scale)
        elif any(state["found_inf"] for state in self._per_optimizer.values()):
            self._scale *= self._backoff_factor
            self._growth_tracker = 0
        elif self._per_optimizer:
            self._growth_tracker += 1
            if self._growth_tracker == self._growth_interval:
                grown = self._scale * self._growth_factor
                self._scale = grown if math.isfinite(grown) else self._scale
                self._growth_tracker = 0
        self._per_optimizer = {}

    def state_dict(self) -> dict[str, Any]:
        if not self._enabled:
            return {}
        return {"scale": self._scale, "growth_factor": self._growth_factor, "backoff_factor": self._backoff_factor,
                "growth_interval": self._growth_interval, "_growth_tracker": self._growth_tracker}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        if not self._enabled:
            return
        if not state_dict:
            raise RuntimeError("GradScaler.load_state_dict: the state_dict is empty (it was saved from a "
                               "disabled scaler)")
        self._scale = float(state_dict["scale"])
        self._growth_factor = float(state_dict["growth_factor"])
        self._backoff_factor = float(state_dict["backoff_factor"])
        self._growth_interval = int(state_dict["growth_interval"])
        self._growth_tracker = int(state_dict["_growth_tracker"])
