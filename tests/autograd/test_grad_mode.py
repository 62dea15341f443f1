"""autograd/grad_mode.py: no_grad, enable_grad, set_grad_enabled as context managers, decorators, calls."""

from __future__ import annotations

import pytest

import glassgrad as gg

x = gg.ones(2, requires_grad=True)


def test_no_grad_context_records_nothing_and_restores() -> None:
    with gg.no_grad():
        assert not gg.is_grad_enabled()
        y = x * 2
    assert gg.is_grad_enabled()
    assert not y.requires_grad and y.grad_fn is None


def test_no_grad_decorator_and_enable_grad_inside() -> None:
    @gg.no_grad()
    def evaluate():
        inner = x * 2
        with gg.enable_grad():
            recorded = x * 2
        return inner, recorded

    inner, recorded = evaluate()
    assert not inner.requires_grad
    assert recorded.requires_grad
    assert gg.is_grad_enabled()


def test_enable_grad_decorator_inside_no_grad() -> None:
    @gg.enable_grad()
    def compute():
        return x * 3

    with gg.no_grad():
        y = compute()
        assert not gg.is_grad_enabled()
    assert y.requires_grad


def test_set_grad_enabled_as_call_context_and_decorator() -> None:
    gg.set_grad_enabled(False)
    try:
        assert not gg.is_grad_enabled()
    finally:
        gg.set_grad_enabled(True)
    assert gg.is_grad_enabled()
    with gg.set_grad_enabled(False):
        assert not (x * 2).requires_grad
    assert gg.is_grad_enabled()

    @gg.set_grad_enabled(False)
    def frozen():
        return x * 2

    assert gg.is_grad_enabled()  # decorating alone does not switch the mode
    assert not frozen().requires_grad
    assert gg.is_grad_enabled()


def test_the_mode_is_restored_after_an_exception() -> None:
    with pytest.raises(ZeroDivisionError):
        with gg.no_grad():
            raise ZeroDivisionError
    assert gg.is_grad_enabled()


def test_no_grad_nests() -> None:
    with gg.no_grad():
        with gg.no_grad():
            pass
        assert not gg.is_grad_enabled()
        with gg.enable_grad():
            assert gg.is_grad_enabled()
        assert not gg.is_grad_enabled()
    assert gg.is_grad_enabled()
