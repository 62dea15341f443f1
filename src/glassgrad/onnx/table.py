"""The op table: which converter writes each glassgrad Op class as ONNX nodes (one small function per op family,
in the ops_*.py files). An Op missing here is refused by name (exporter.py)."""

from __future__ import annotations

from . import ops_elementwise, ops_fused, ops_layers, ops_recurrent, ops_reduce, ops_shape

CONVERTERS: dict[type, object] = {
    **ops_elementwise.CONVERTERS,
    **ops_shape.CONVERTERS,
    **ops_layers.CONVERTERS,
    **ops_fused.CONVERTERS,
    **ops_recurrent.CONVERTERS,
    **ops_reduce.CONVERTERS,
}
