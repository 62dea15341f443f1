"""Export a model, load it in ONNX Runtime, and compare: the one round trip every ONNX test makes."""

from __future__ import annotations

import io

import numpy as np
import pytest

import glassgrad as gg
from glassgrad.viz.graph_modules import tensors_in

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")

TOLERANCE = 1e-4  # max absolute difference, float32 (issue 20)


def export_to_bytes(model, args, **options) -> bytes:
    buffer = io.BytesIO()
    gg.onnx.export(model, args, buffer, **options)
    return buffer.getvalue()


def session(data: bytes):
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1  # the machine is shared; the parity does not depend on threads
    options.log_severity_level = 3  # no warnings about shapes the dynamic axes leave open
    return ort.InferenceSession(data, options, providers=["CPUExecutionProvider"])


def glassgrad_outputs(model, args) -> list[np.ndarray]:
    with gg.no_grad():
        return [t.numpy() for t in tensors_in(model(*args))]


def ort_outputs(sess, args) -> list[np.ndarray]:
    feeds = {info.name: value.numpy() for info, value in zip(sess.get_inputs(), args)}
    return sess.run(None, feeds)


def max_difference(model, sess, args) -> float:
    """The largest |ORT − glassgrad| over every output, after checking the outputs' shapes agree."""
    expected, got = glassgrad_outputs(model, args), ort_outputs(sess, args)
    assert len(expected) == len(got)
    worst = 0.0
    for want, have in zip(expected, got):
        assert want.shape == have.shape, (want.shape, have.shape)
        assert want.dtype == have.dtype, (want.dtype, have.dtype)
        worst = max(worst, float(np.abs(want.astype(np.float64) - have).max()) if want.size else 0.0)
    return worst
