"""autograd/grad_mode.py: grad mode is per thread, as PyTorch's (each case is run in torch too)."""

from __future__ import annotations

import threading

import pytest
import torch

import glassgrad as gg


def in_thread(function):
    """function()'s result (or exception), run in a fresh thread."""
    box = {}

    def target():
        try:
            box["value"] = function()
        except BaseException as error:  # noqa: BLE001 - handed back to the test
            box["error"] = error

    thread = threading.Thread(target=target)
    thread.start()
    thread.join()
    if "error" in box:
        raise box["error"]
    return box["value"]


def records(lib):
    """Whether an op records the graph here and now."""
    x = lib.ones(2, requires_grad=True)
    return (x * 2).requires_grad


@pytest.mark.parametrize("lib", [gg, torch], ids=["glassgrad", "torch"])
def test_a_new_thread_starts_with_grad_on_whatever_its_parent_has(lib):
    with lib.no_grad():
        assert not records(lib)
        assert in_thread(lambda: (lib.is_grad_enabled(), records(lib))) == (True, True)
        assert not lib.is_grad_enabled()  # the parent's mode is untouched by the child
    lib.set_grad_enabled(False)
    try:
        assert in_thread(lambda: records(lib)) is True
    finally:
        lib.set_grad_enabled(True)


@pytest.mark.parametrize("lib", [gg, torch], ids=["glassgrad", "torch"])
def test_no_grad_in_a_thread_leaves_the_others_recording(lib):
    entered = threading.Event()
    release = threading.Event()

    def evaluate():
        with lib.no_grad():
            entered.set()
            release.wait(10)
            return records(lib)

    box = {}
    worker = threading.Thread(target=lambda: box.setdefault("inside", evaluate()))
    worker.start()
    assert entered.wait(10)
    try:
        assert lib.is_grad_enabled() and records(lib)  # main thread, while the worker sits inside no_grad
    finally:
        release.set()
        worker.join()
    assert box["inside"] is False


@pytest.mark.parametrize("lib", [gg, torch], ids=["glassgrad", "torch"])
def test_the_decorators_and_set_grad_enabled_act_on_the_calling_thread_only(lib):
    @lib.no_grad()
    def frozen():
        return records(lib)

    @lib.enable_grad()
    def recording():
        return records(lib)

    @lib.set_grad_enabled(False)
    def switched_off():
        return records(lib)

    assert in_thread(frozen) is False and in_thread(switched_off) is False
    assert lib.is_grad_enabled()
    with lib.no_grad():
        assert in_thread(recording) is True
        assert recording() is True
        assert not lib.is_grad_enabled()

    def set_off_and_report():
        lib.set_grad_enabled(False)  # a plain call in the child: its own mode only
        return lib.is_grad_enabled()

    assert in_thread(set_off_and_report) is False
    assert lib.is_grad_enabled()


def test_many_threads_switching_at_once_each_see_their_own_mode():
    barrier = threading.Barrier(4)
    seen = []

    def worker(mode):
        with gg.set_grad_enabled(mode):
            barrier.wait(10)  # all four threads are inside their own mode at once
            for _ in range(50):
                seen.append(records(gg) == mode)

    threads = [threading.Thread(target=worker, args=(mode,)) for mode in (True, False, True, False)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(seen) == 200 and all(seen)
    assert gg.is_grad_enabled()
