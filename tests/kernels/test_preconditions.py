"""Every kernel launcher refuses arrays that do not fit, with a clear error, before the compiled loop runs.

Each case below would read or write out of bounds without its check (a segmentation fault, or garbage), so the
cases run in one subprocess: a crash there fails these tests instead of killing pytest. Each case is a
statement run with `np`, `gg` and the kernel modules in scope; the test asserts the error type and message.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

import glassgrad as gg
from glassgrad.kernels import _numba

pytestmark = pytest.mark.skipif(not _numba.ENABLED, reason="Numba is not installed (or GLASSGRAD_NUMBA=0)")

f32 = "np.float32"
# name: (statement, error type, a piece of the message)
CASES = {
    # ---- adam: the hostile review's segfault (state made at size 10, parameter then resized) ----
    "adam-resized-parameter": (
        "p = gg.zeros(10, requires_grad=True); opt = gg.optim.Adam([p]); p.grad = gg.ones(10); opt.step();"
        "p.data = gg.zeros(4_000_000); p.grad = gg.ones(4_000_000); opt.step()",
        "RuntimeError", "state 'exp_avg'",
    ),
    "adamw-resized-parameter": (
        "p = gg.zeros(10, requires_grad=True); opt = gg.optim.AdamW([p]); p.grad = gg.ones(10); opt.step();"
        "p.data = gg.zeros(1000); opt.step()",
        "RuntimeError", r"a parameter of shape \(1000,\), float32, cpu has a .grad of shape \(10,\)",
    ),
    "adam-kernel-short-grad": (
        f"adam.adam_update(np.zeros(1000, {f32}), np.ones(10, {f32}), np.zeros(1000, {f32}), np.zeros(1000, {f32}),"
        "step=1, lr=0.1, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0, decoupled_decay=0, maximize=False)",
        "ValueError", r"kernels.adam.adam_update: .*param \(1000,\), grad \(10,\)",
    ),
    "adam-kernel-read-only-state": (
        f"v = np.zeros(4, {f32}); v.flags.writeable = False;"
        f"adam.adam_update(np.zeros(4, {f32}), np.ones(4, {f32}), np.zeros(4, {f32}), v,"
        "step=1, lr=0.1, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0, decoupled_decay=0, maximize=False)",
        "ValueError", "exp_avg_sq is written in place but is read-only",
    ),
    "adam-kernel-float64": (
        f"adam.adam_update(np.zeros(4), np.ones(4, {f32}), np.zeros(4, {f32}), np.zeros(4, {f32}),"
        "step=1, lr=0.1, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0, decoupled_decay=0, maximize=False)",
        "TypeError", "param must be an aligned, C-contiguous NumPy array of float32, but got shape .4,., float64",
    ),
    # ---- relu, gelu ----
    "relu-backward-short-grad": (
        f"relu.relu_backward(np.ones(1000, {f32}), np.ones(10, {f32}))",
        "ValueError", r"relu_backward: .*y \(1000,\), grad \(10,\)",
    ),
    "relu-forward-strided": (
        f"relu.relu_forward(np.ones((4, 6), {f32})[:, ::2])", "TypeError", "x must be .* but got .*not C order",
    ),
    "gelu-backward-short-cdf": (
        f"gelu.gelu_backward(np.ones(1000, {f32}), np.ones(3, {f32}), np.ones(1000, {f32}))",
        "ValueError", r"gelu_backward: .*cdf \(3,\)",
    ),
    "gelu-forward-unaligned": (
        f"buf = np.zeros(4 * 100 + 1, np.uint8); x = buf[1:].view({f32});"
        "gelu.gelu_forward(x)",
        "TypeError", "unaligned",
    ),
    # ---- layer norm ----
    "layer-norm-short-weight": (
        f"layer_norm.layer_norm_forward(np.ones((8, 512), {f32}), np.ones(4, {f32}), None, 1e-5)",
        "ValueError", r"weight \(flattened\) must have shape \(512,\)",
    ),
    "layer-norm-short-bias": (
        f"layer_norm.layer_norm_forward(np.ones((8, 16), {f32}), np.ones(16, {f32}), np.ones(2, {f32}), 1e-5)",
        "ValueError", r"bias \(flattened\) must have shape \(16,\)",
    ),
    "layer-norm-backward-short-rstd": (
        f"layer_norm.layer_norm_backward(np.ones((64, 16), {f32}), np.ones((64, 16), {f32}),"
        f"np.ones((2, 1), {f32}), np.ones(16, {f32}))",
        "ValueError", r"rstd \(flattened\) must have shape \(64,\)",
    ),
    "layer-norm-backward-mismatched-normalized": (
        f"layer_norm.layer_norm_backward(np.ones((64, 16), {f32}), np.ones((8, 16), {f32}),"
        f"np.ones((64, 1), {f32}), np.ones(16, {f32}))",
        "ValueError", r"grad \(64, 16\), normalized \(8, 16\)",
    ),
    # ---- softmax ----
    "softmax-backward-short-weights": (
        f"softmax.softmax_backward_(np.ones((64, 64), {f32}), np.ones((2, 64), {f32}))",
        "ValueError", r"grad \(64, 64\), weights \(2, 64\)",
    ),
    "softmax-read-only-scores": (
        f"s = np.ones((4, 4), {f32}); s.flags.writeable = False; softmax.softmax_rows_(s)",
        "ValueError", "scores is written in place but is read-only",
    ),
    "softmax-0-d": (f"softmax.softmax_rows_(np.ones((), {f32}))", "ValueError", "at least one axis"),
    # ---- lstm ----
    "lstm-forward-short-gates": (
        f"H, B = 64, 8; cell = lambda: np.zeros((H, B), {f32});"
        f"lstm.forward_step(np.zeros((H, B), {f32}), np.zeros((4 * H, B), {f32}), cell(), cell(), cell(), cell())",
        "ValueError", r"a must have shape \(256, 8\)",
    ),
    "lstm-forward-short-cell": (
        f"H, B = 64, 8; gates = lambda: np.zeros((4 * H, B), {f32}); cell = lambda: np.zeros((H, B), {f32});"
        f"lstm.forward_step(gates(), gates(), cell(), np.zeros((2, B), {f32}), cell(), cell())",
        "ValueError", r"c_prev \(64, 8\), c \(2, 8\)",
    ),
    "lstm-backward-short-dgates": (
        f"H, B = 64, 8; gates = lambda: np.zeros((4 * H, B), {f32}); cell = lambda: np.zeros((H, B), {f32});"
        f"lstm.backward_step(cell(), cell(), cell(), gates(), cell(), cell(), np.zeros((4, B), {f32}))",
        "ValueError", r"dgates must have shape \(256, 8\)",
    ),
    # ---- embedding ----
    "embedding-id-too-large": (
        f"embedding.embedding_backward(np.array([0, 5, 10**6]), np.ones((3, 8), {f32}), 10)",
        "IndexError", r"id 1000000 is out of range for an embedding of 10 rows",
    ),
    "embedding-negative-id": (
        f"embedding.embedding_backward(np.array([-3, 1]), np.ones((2, 8), {f32}), 10)",
        "IndexError", "id -3 is out of range",
    ),
    "embedding-fewer-ids-than-rows": (
        f"embedding.embedding_backward(np.array([1]), np.ones((1000, 8), {f32}), 10)",
        "ValueError", r"ids must have shape \(1000,\)",
    ),
    "embedding-float-ids": (
        f"embedding.embedding_backward(np.array([1.0]), np.ones((1, 8), {f32}), 10)",
        "TypeError", "ids must be .* of integers",
    ),
    # ---- conv ----
    "conv-im2col-stride-0": (
        f"conv.im2col(np.ones((1, 1, 4, 4), {f32}), (2, 2), (0, 1), (0, 0), (1, 1), (3, 3))",
        "ValueError", r"stride must be integers >= 1, but got \(0, 1\)",
    ),
    "conv-im2col-3-d": (
        f"conv.im2col(np.ones((1, 4, 4), {f32}), (2, 2), (1, 1), (0, 0), (1, 1), (3, 3))",
        "ValueError", r"x must be 4-D \(N, C, H, W\)",
    ),
    "conv-to-images-short-bias": (
        f"conv.to_images(np.ones((64, 2 * 9), {f32}), np.ones(1, {f32}), (2, 64, 3, 3))",
        "ValueError", r"bias must have shape \(64,\)",
    ),
    "conv-to-images-short-product": (
        f"conv.to_images(np.ones((64, 2), {f32}), None, (2, 64, 3, 3))",
        "ValueError", r"product must hold .* \(64, 18\) values",
    ),
    "conv-col2im-more-images-than-input": (
        f"conv.col2im(np.ones((1, 50, 3, 3, 2, 2, 1), {f32}), (1, 1, 4, 4), (1, 1), (0, 0), (1, 1))",
        "ValueError", r"holds N = 50 images",
    ),
    "conv-col2im-more-channels-than-input": (
        f"conv.col2im(np.ones((1, 1, 3, 3, 2, 2, 64), {f32}), (1, 1, 4, 4), (1, 1), (0, 0), (1, 1))",
        "ValueError", r"of G·C/G = 64 channels",
    ),
    # ---- pooling ----
    "pool-forward-window-outside": (
        f"pooling.max_pool_forward(np.ones((1, 1, 4, 4), {f32}), (2, 2), (2, 2), (0, 0), (1, 1), (30, 2),"
        "np.dtype(np.int8))",
        "ValueError", r"has 2×2 windows outside an input of \(4, 4\)",
    ),
    "pool-backward-small-input": (
        f"pooling.max_pool_backward(np.ones((1, 1, 8, 8), {f32}), np.zeros((1, 1, 8, 8), np.int8), (1, 1, 4, 4),"
        "(2, 2), (2, 2), (0, 0), (1, 1))",
        "ValueError", "windows outside",
    ),
    "pool-backward-offset-shape": (
        f"pooling.max_pool_backward(np.ones((1, 1, 2, 2), {f32}), np.zeros((1, 1, 1, 1), np.int8), (1, 1, 4, 4),"
        "(2, 2), (2, 2), (0, 0), (1, 1))",
        "ValueError", r"grad \(1, 1, 2, 2\), offset \(1, 1, 1, 1\)",
    ),
    "pool-backward-more-planes": (
        f"pooling.max_pool_backward(np.ones((9, 9, 2, 2), {f32}), np.zeros((9, 9, 2, 2), np.int8), (1, 1, 4, 4),"
        "(2, 2), (2, 2), (0, 0), (1, 1))",
        "ValueError", "is not of N, C",
    ),
    "pool-forward-3x3": (
        f"pooling.max_pool_forward(np.ones((1, 1, 4, 4), {f32}), (3, 3), (1, 1), (0, 0), (1, 1), (2, 2),"
        "np.dtype(np.int8))",
        "ValueError", r"serves 2×2 windows without padding or dilation, but got kernel_size \(3, 3\)",
    ),
    "pool-forward-float-index-dtype": (
        f"pooling.max_pool_forward(np.ones((1, 1, 4, 4), {f32}), (2, 2), (2, 2), (0, 0), (1, 1), (2, 2),"
        "np.dtype(np.float32))",
        "TypeError", "index_dtype must be an integer dtype",
    ),
    # ---- blas ----
    "blas-batched-short-out": (
        f"blas.batched_matmul(np.ones((2, 3, 8, 4), {f32}), np.ones((2, 3, 4, 8), {f32}),"
        f"np.ones((1, 3, 8, 8), {f32}))",
        "ValueError", "kernels.blas.batched_matmul: the operands do not fit",
    ),
    "blas-batched-inner-mismatch": (
        f"blas.batched_matmul(np.ones((2, 3, 8, 4), {f32}), np.ones((2, 3, 2, 8), {f32}),"
        f"np.ones((2, 3, 8, 8), {f32}))",
        "ValueError", "Call fits_batched",
    ),
    "blas-batched-read-only-out": (
        f"out = np.ones((2, 3, 8, 8), {f32}); out.flags.writeable = False;"
        f"blas.batched_matmul(np.ones((2, 3, 8, 4), {f32}), np.ones((2, 3, 4, 8), {f32}), out)",
        "ValueError", "`out` writeable",
    ),
    "blas-stacked-short-out": (
        f"blas.stacked_matmul(np.ones((8, 4), {f32}), np.ones((5, 4, 8), {f32}), np.ones((2, 8, 8), {f32}))",
        "ValueError", "kernels.blas.stacked_matmul: the operands do not fit",
    ),
    "blas-run-bad-table": ("blas.run(np.zeros((2, 3), np.int64))", "TypeError", r"\(n, 11\) int64 table"),
}

_RUNNER = textwrap.dedent(
    """
    import json, sys
    import numpy as np
    import glassgrad as gg
    from glassgrad.kernels import adam, blas, conv, embedding, gelu, layer_norm, lstm, pooling, relu, softmax

    results = {}
    for name, statement in json.loads(sys.stdin.read()).items():
        try:
            exec(statement, dict(globals()))
            results[name] = ["no error", ""]
        except Exception as error:
            results[name] = [type(error).__name__, str(error)]
    print(json.dumps(results))
    """
)


@pytest.fixture(scope="module")
def outcomes():
    """Every case's (error type, message), from one subprocess (about 2 s: one import of glassgrad)."""
    source = Path(gg.__file__).resolve().parents[1]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(source), os.environ.get("PYTHONPATH", "")])}
    statements = {name: case[0] for name, case in CASES.items()}
    if not _BLAS_AVAILABLE:
        statements = {name: s for name, s in statements.items() if not name.startswith("blas-")}
    done = subprocess.run([sys.executable, "-c", _RUNNER], input=json.dumps(statements), capture_output=True,
                          text=True, env=env, timeout=300)
    assert done.returncode == 0, f"the cases crashed the process (exit {done.returncode}):\n{done.stderr[-3000:]}"
    return json.loads(done.stdout.strip().splitlines()[-1])


def _blas_available() -> bool:
    from glassgrad.kernels import blas

    return blas.available()


_BLAS_AVAILABLE = _blas_available()


@pytest.mark.parametrize("name", list(CASES))
def test_a_misfit_raises_a_clear_error_instead_of_running(outcomes, name):
    if name.startswith("blas-") and not _BLAS_AVAILABLE:
        pytest.skip("NumPy's OpenBLAS not found: the blas kernels never run")
    _, error, match = CASES[name]
    kind, message = outcomes[name]
    assert kind == error, f"{name}: expected {error}, got {kind}: {message}"
    assert re.search(match, message), f"{name}: {message!r} does not match {match!r}"
    if kind != "IndexError" and not name.startswith(("adam-resized", "adamw-")):
        assert message.startswith("kernels."), message  # the error names the kernel


def test_the_resized_adam_parameter_is_left_as_it_was():
    p = gg.zeros(10, requires_grad=True)
    opt = gg.optim.Adam([p], lr=0.1)
    p.grad = gg.ones(10)
    opt.step()
    p.data = gg.zeros(100)
    p.grad = gg.ones(100)
    with pytest.raises(RuntimeError, match="del optimizer.state"):
        opt.step()
    assert float(opt.state[p]["step"].array) == 1.0  # the failed step counted nothing
    assert not p.detach().numpy().any()
    del opt.state[p]  # the fix the message gives: fresh state at the new size
    opt.step()
    np.testing.assert_allclose(p.detach().numpy(), -0.1, rtol=1e-5)


@pytest.mark.parametrize("optimizer", ["SGD", "RMSprop", "Adagrad"])
def test_every_optimizer_refuses_a_grad_or_state_that_no_longer_fits(optimizer):
    p = gg.zeros(10, requires_grad=True)
    options = {"momentum": 0.9} if optimizer in ("SGD", "RMSprop") else {}
    opt = getattr(gg.optim, optimizer)([p], lr=0.1, **options)
    p.grad = gg.ones(10)
    opt.step()
    p.data = gg.zeros(3)
    with pytest.raises(RuntimeError, match=rf"{optimizer}.step: a parameter of shape \(3,\)"):
        opt.step()
    p.grad = gg.ones(3)
    with pytest.raises(RuntimeError, match=rf"{optimizer}.step: the state '\w+' \(shape \(10,\)"):
        opt.step()


def test_an_empty_softmax_is_returned_untouched():
    from glassgrad.kernels import softmax

    for shape in [(0, 4), (3, 0), (2, 0, 5)]:
        scores = np.zeros(shape, dtype=np.float32)
        assert softmax.softmax_rows_(scores) is scores
        assert softmax.softmax_backward_(scores, scores.copy()) is scores


def test_pooling_backward_keeps_any_offset_inside_its_window():
    from glassgrad.kernels import pooling

    grad = np.ones((1, 1, 2, 2), dtype=np.float32)
    offset = np.full((1, 1, 2, 2), 7, dtype=np.int8)  # not an offset the forward makes: masked to 3
    grad_x = pooling.max_pool_backward(grad, offset, (1, 1, 4, 4), (2, 2), (2, 2), (0, 0), (1, 1))
    expected = np.zeros((4, 4), dtype=np.float32)
    expected[1::2, 1::2] = 1  # offset 3: the window's bottom-right
    np.testing.assert_array_equal(grad_x[0, 0], expected)
