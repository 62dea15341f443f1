"""No NumPy RuntimeWarning leaks out of glassgrad's ops (backend/float_errors.py): inf and nan come back
silently, as PyTorch's do, in forward, backward and double backward; the user's NumPy settings are untouched."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

import glassgrad as gg

INF = math.inf

# (name, fn(lib) -> tensor): each makes a tensor that NumPy would warn about
EXPRESSIONS = [
    ("log_of_zero", lambda m: m.log(m.tensor(0.0))),
    ("log_of_negative", lambda m: m.log(m.tensor(-1.0))),
    ("one_over_zero", lambda m: m.tensor(1.0) / 0),
    ("zero_over_zero", lambda m: m.tensor(0.0) / 0),
    ("sqrt_of_negative", lambda m: m.sqrt(m.tensor(-1.0))),
    ("exp_overflow", lambda m: m.exp(m.tensor(1000.0))),
    ("rsqrt_of_zero", lambda m: m.rsqrt(m.tensor(0.0))),
    ("log1p_of_minus_one", lambda m: m.log1p(m.tensor([-1.0, -2.0]))),
    ("pow_of_zero_negative", lambda m: m.tensor(0.0) ** -1.0),
    ("inf_minus_inf", lambda m: m.tensor(INF) - INF),
    ("inf_times_zero", lambda m: m.tensor(INF) * 0.0),
    ("float32_overflow", lambda m: m.tensor(3e38) * 10.0),
    ("floor_divide_by_zero", lambda m: m.tensor([1.0, -1.0, 0.0]) // 0.0),
    ("remainder_by_zero", lambda m: m.tensor(1.0) % 0.0),
    ("trunc_divide_by_zero", lambda m: m.div(m.tensor(1.0), 0.0, rounding_mode="trunc")),
]


@pytest.mark.parametrize("fn", [fn for _, fn in EXPRESSIONS], ids=[name for name, _ in EXPRESSIONS])
def test_forward_is_silent_and_matches_torch(fn: object) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ours = fn(gg)
    torch = pytest.importorskip("torch")
    np.testing.assert_array_equal(ours.numpy(), fn(torch).numpy())


def test_without_torch_the_values_are_ieee() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert gg.log(gg.tensor(0.0)).item() == -INF
        assert (gg.tensor(1.0) / 0).item() == INF
        assert math.isnan((gg.tensor(0.0) / 0).item()) and math.isnan(gg.sqrt(gg.tensor(-1.0)).item())
        assert gg.exp(gg.tensor(1000.0)).item() == INF and math.isnan(gg.log(gg.tensor(-1.0)).item())


def test_backward_at_the_poles_is_silent_and_matches_torch() -> None:
    # d log(x)/dx = 1/x and d sqrt(x)/dx = 1/(2 sqrt x) divide by zero at x = 0; sqrt(-1) is nan
    def loss(m, x):
        return x.log().sum() + x.sqrt().sum() + (1.0 / x).sum() + x.exp().sum()

    data = [0.0, -1.0, 1000.0]
    x = gg.tensor(data, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        loss(gg, x).backward()
        (second,) = gg.autograd.grad(gg.autograd.grad(x.log().sum(), x, create_graph=True)[0].sum(), x)
    torch = pytest.importorskip("torch")
    t = torch.tensor(data, requires_grad=True)
    loss(torch, t).backward()
    np.testing.assert_array_equal(x.grad.numpy(), t.grad.numpy())
    (expected,) = torch.autograd.grad(torch.autograd.grad(t.log().sum(), t, create_graph=True)[0].sum(), t)
    np.testing.assert_array_equal(second.numpy(), expected.numpy())


def test_the_users_numpy_settings_are_kept() -> None:
    before = np.geterr()
    with np.errstate(divide="raise"):
        assert gg.log(gg.tensor(0.0)).item() == -INF  # glassgrad's op stays quiet inside the user's errstate
        assert np.geterr()["divide"] == "raise"  # and the user's setting is back after it
        with pytest.raises(FloatingPointError):
            np.log(np.zeros(1))
    assert np.geterr() == before
    with pytest.warns(RuntimeWarning):
        np.log(np.zeros(1))  # outside glassgrad, NumPy warns as it always does


def test_an_error_in_a_forward_restores_the_state() -> None:
    class Failing(gg.autograd.Op):
        """y = x, but forward fails after NumPy's state was changed"""

        @staticmethod
        def forward(ctx, x):
            assert np.geterr()["divide"] == "ignore"
            raise ValueError("forward failed")

    before = np.geterr()
    with pytest.raises(ValueError, match="forward failed"):
        Failing.apply(gg.zeros(2))
    assert np.geterr() == before


def test_the_numpy_1_fallback_quiets_and_restores(monkeypatch: pytest.MonkeyPatch) -> None:
    # NumPy 1.x has no error-state context variable: float_errors then enters np.errstate. Loaded afresh with the
    # import of that variable failing (a None in sys.modules makes the import raise ImportError).
    import importlib.util
    import sys

    from glassgrad.backend import float_errors

    monkeypatch.setitem(sys.modules, "numpy._core._ufunc_config", None)
    spec = importlib.util.spec_from_file_location("float_errors_numpy1", float_errors.__file__)
    fallback = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(fallback)
    assert fallback._extobj_contextvar is None
    before = np.geterr()
    token = fallback.silence()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert np.log(np.zeros(1))[0] == -INF
    fallback.restore(token)
    assert np.geterr() == before
    assert fallback.quietly(lambda: np.geterr()["invalid"])() == "ignore"
