"""Models out to ONNX: `glassgrad.onnx.export(model, args, "model.onnx")`, as torch.onnx.export.

The export traces the graph glassgrad records in one forward pass and writes it with the `onnx` package
(`pip install glassgrad[onnx]`), checked by onnx.checker. Files: trace.py (the forward and its nodes), table.py
(which converter writes each Op) with the converters in ops_*.py, builder.py (the graph under construction),
exporter.py (the steps).
"""

from __future__ import annotations

from typing import Any

from .errors import UnsupportedOperatorError


def export(model: Any, args: Any, f: Any, *rest: Any, **options: Any) -> None:
    """See glassgrad/onnx/exporter.py; imported here on first use so that `import glassgrad` needs no onnx."""
    try:
        from .exporter import export as _export
    except ModuleNotFoundError as error:
        if (error.name or "").partition(".")[0] != "onnx":
            raise
        raise ImportError(
            f"glassgrad.onnx.export needs the onnx package ({error}); install it with "
            "pip install 'glassgrad[onnx]' (onnx and onnxruntime)"
        ) from error
    _export(model, args, f, *rest, **options)


__all__ = ["UnsupportedOperatorError", "export"]
