"""L-BFGS, as PyTorch computes it (Nocedal 1980; Liu & Nocedal 1989), with a fixed step or a strong-Wolfe search."""

from __future__ import annotations

from collections import defaultdict
from typing import Any, Callable

import numpy as np

from ..autograd.grad_mode import enable_grad
from ..tensor import Tensor
from .line_search import strong_wolfe
from .optimizer import Optimizer, ParamsT, check_hyperparameter

LINE_SEARCHES = (None, "strong_wolfe")


class LBFGS(Optimizer):
    r"""L-BFGS: quasi-Newton steps d = -H g, with H built from the last `history_size` step/gradient pairs.

    All parameters are treated as one flat vector x with gradient g. One `step(closure)` runs up to
    `max_iter` iterations k, each:

        sₖ₋₁ = x - x_prev,  yₖ₋₁ = g - g_prev      (kept only if yᵀs > 1e-10, the curvature condition)
        d = -H g   by the two-loop recursion over the kept (s, y) pairs, with H₀ = (yᵀs / yᵀy) I
        x ← x + t d,   t = lr (at the very first iteration t = lr · min(1, 1 / ‖g‖₁))

    and stops early when max|g| ≤ tolerance_grad, gᵀd > -tolerance_change (not a descent direction),
    max|t d| ≤ tolerance_change, the loss changes by less than tolerance_change, or after `max_eval`
    closure calls. The history persists between calls of `step`, as in PyTorch.

    Args:
        params: the tensors to optimize (a single parameter group: L-BFGS has no per-group options).
        lr: the step length t (default: 1). max_iter: iterations per `step` (default: 20).
        max_eval: closure calls per `step` (default: max_iter · 5 // 4).
        tolerance_grad, tolerance_change: the stopping thresholds above (defaults: 1e-7, 1e-9).
        history_size: how many (s, y) pairs H remembers (default: 100).
        line_search_fn: None (a fixed step t) or "strong_wolfe" (t from a line search satisfying the strong
            Wolfe conditions, `line_search.py`; up to max_eval closure calls per step in all).

    `step(closure)` needs the closure (it zeroes the grads, computes the loss, calls backward and returns the
    loss) and returns the loss of its first call. State (on the first parameter, PyTorch's names): func_evals,
    n_iter, d, t, old_dirs, old_stps, ro, H_diag, prev_flat_grad, prev_loss.
    """

    def __init__(self, params: ParamsT, lr: float = 1, max_iter: int = 20, max_eval: int | None = None,
                 tolerance_grad: float = 1e-7, tolerance_change: float = 1e-9, history_size: int = 100,
                 line_search_fn: str | None = None) -> None:
        check_hyperparameter("LBFGS", "learning rate", lr)
        if line_search_fn not in LINE_SEARCHES:
            raise ValueError(
                f"LBFGS: line_search_fn={line_search_fn!r} is not supported; glassgrad supports "
                "line_search_fn=None (a fixed step of length lr) and 'strong_wolfe'"
            )
        if max_eval is None:
            max_eval = max_iter * 5 // 4
        super().__init__(params, dict(lr=lr, max_iter=max_iter, max_eval=max_eval, tolerance_grad=tolerance_grad,
                                      tolerance_change=tolerance_change, history_size=history_size,
                                      line_search_fn=line_search_fn))
        if len(self.param_groups) != 1:
            raise ValueError("LBFGS doesn't support per-parameter options (parameter groups): pass one list")
        self._params = self.param_groups[0]["params"]

    def _flat_grad(self) -> np.ndarray:
        """g: every parameter's gradient, flattened and concatenated (zeros where a grad is None)."""
        parts = [np.zeros(p.array.size, p.array.dtype) if p.grad is None else np.asarray(p.grad.array).reshape(-1)
                 for p in self._params]
        return np.concatenate(parts)

    def _add_step(self, t: Any, d: np.ndarray) -> None:
        """x ← x + t d, parameter by parameter."""
        offset = 0
        for p in self._params:
            n = p.array.size
            p.array[...] += (t * d[offset:offset + n]).reshape(p.array.shape).astype(p.array.dtype, copy=False)
            p._version_counter[0] += 1
            offset += n

    def _directional(self, closure: Callable[[], Any], d: np.ndarray) -> Callable[[float], tuple]:
        """t ↦ (loss, flat gradient) at x + t d, the parameters put back at x after each evaluation."""
        start = [np.array(p.array) for p in self._params]

        def evaluate(t: float) -> tuple[float, np.ndarray]:
            self._add_step(t, d)
            with enable_grad():
                loss = float(closure())
            g = self._flat_grad()
            for p, x in zip(self._params, start):
                p.array[...] = x
            return loss, g

        return evaluate

    def step(self, closure: Callable[[], Any]) -> Any:  # type: ignore[override]
        """Up to `max_iter` L-BFGS iterations; returns the loss of the closure's first call."""
        if closure is None:
            raise ValueError("LBFGS.step needs a closure that recomputes the loss: opt.step(closure)")
        group = self.param_groups[0]
        lr, max_iter, max_eval = group["lr"], group["max_iter"], group["max_eval"]
        tol_grad, tol_change, history = group["tolerance_grad"], group["tolerance_change"], group["history_size"]
        state = self.state[self._params[0]]
        state.setdefault("func_evals", 0)
        state.setdefault("n_iter", 0)
        with enable_grad():
            orig_loss = closure()
        loss = float(orig_loss)
        current_evals = 1
        state["func_evals"] += 1
        g = self._flat_grad()
        if np.abs(g).max() <= tol_grad:
            return orig_loss
        d, t = _array(state.get("d")), state.get("t")
        old_dirs = [_array(v) for v in state.get("old_dirs") or []]
        old_stps = [_array(v) for v in state.get("old_stps") or []]
        ro, h_diag = list(state.get("ro") or []), state.get("H_diag")
        prev_g, prev_loss = _array(state.get("prev_flat_grad")), state.get("prev_loss")
        n_iter = 0
        while n_iter < max_iter:
            n_iter += 1
            state["n_iter"] += 1
            if state["n_iter"] == 1:
                d, old_dirs, old_stps, ro, h_diag = -g, [], [], [], 1
            else:
                y, s = g - prev_g, d * t
                ys = y.dot(s)
                if ys > 1e-10:  # keep the pair only where the curvature yᵀs is positive, so H stays positive
                    if len(old_dirs) == history:
                        old_dirs.pop(0), old_stps.pop(0), ro.pop(0)
                    old_dirs.append(y), old_stps.append(s), ro.append(1.0 / ys)
                    h_diag = ys / y.dot(y)  # H₀ = (yᵀs / yᵀy) I
                d = _two_loop(g, old_dirs, old_stps, ro, h_diag)
            prev_g = g.copy()
            prev_loss = loss
            t = min(1.0, 1.0 / np.abs(g).sum()) * lr if state["n_iter"] == 1 else lr
            if g.dot(d) > -tol_change:  # not a descent direction: stop
                break
            evals = 0
            if group["line_search_fn"] == "strong_wolfe":
                loss, g, t, evals = strong_wolfe(self._directional(closure, d), t, d, loss, g, float(g.dot(d)),
                                                 max_ls=max_eval - current_evals)
                self._add_step(t, d)
            else:
                self._add_step(t, d)
                if n_iter != max_iter:
                    with enable_grad():
                        loss = float(closure())
                    g = self._flat_grad()
                    evals = 1
            current_evals += evals
            state["func_evals"] += evals
            if n_iter == max_iter or current_evals >= max_eval or np.abs(g).max() <= tol_grad:
                break
            if np.abs(d * t).max() <= tol_change or abs(loss - prev_loss) < tol_change:
                break
        state.update(d=Tensor(d), t=t, old_dirs=[Tensor(v) for v in old_dirs], old_stps=[Tensor(v) for v in old_stps],
                     ro=ro, H_diag=h_diag, prev_flat_grad=Tensor(prev_g), prev_loss=prev_loss)
        return orig_loss

    def _cast_saved_state(self, saved_state: dict[Any, Any], id_to_param: dict[int, Tensor]) -> defaultdict:
        """L-BFGS's state is flat vectors and lists of them, not buffers shaped like a parameter: copy as is."""
        state: defaultdict[Any, dict[str, Any]] = defaultdict(dict)
        for key, value in saved_state.items():
            state[id_to_param.get(key, key)] = {name: _copy(v) for name, v in value.items()}
        return state


def _two_loop(g: np.ndarray, dirs: list, stps: list, ro: list, h_diag: Any) -> np.ndarray:
    """d = -H g by L-BFGS's two-loop recursion over the (s, y) pairs (Nocedal & Wright, algorithm 7.4)."""
    al = [None] * len(dirs)
    q = -g
    for i in range(len(dirs) - 1, -1, -1):
        al[i] = stps[i].dot(q) * ro[i]
        q = q - al[i] * dirs[i]
    r = q * h_diag
    for i in range(len(dirs)):
        be_i = dirs[i].dot(r) * ro[i]
        r = r + (al[i] - be_i) * stps[i]
    return r


def _array(value: Any) -> Any:
    """A state value as a NumPy array (a saved Tensor, or one from PyTorch's state converted), or None."""
    if value is None:
        return None
    return np.asarray(value.array if isinstance(value, Tensor) else value)


def _copy(value: Any) -> Any:
    if isinstance(value, Tensor):
        return Tensor(np.array(value.array))
    if isinstance(value, list):
        return [_copy(v) for v in value]
    return value
