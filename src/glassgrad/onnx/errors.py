"""The error of an export that meets something ONNX cannot express (as torch.onnx.errors names it)."""


class UnsupportedOperatorError(RuntimeError):
    """A recorded op (or one way of calling it) has no ONNX mapping; the message names the op, the module that
    ran it and its input shapes."""
