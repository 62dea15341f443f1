"""A PyTorch script that exports with torch.onnx.export runs unmodified under `glassgrad run`."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np

from .helpers import TOLERANCE, session

SCRIPT = """
import numpy as np
import torch
import torch.nn as nn

torch.manual_seed(0)
model = nn.Sequential(nn.Linear(4, 8), nn.GELU(), nn.LayerNorm(8), nn.Linear(8, 3)).eval()
x = torch.randn(5, 4)
torch.onnx.export(model, (x,), "model.onnx", input_names=["x"], output_names=["y"],
                  dynamic_axes={"x": {0: "batch"}, "y": {0: "batch"}})
with torch.no_grad():
    np.save("expected.npy", model(x).numpy())
np.save("x.npy", x.numpy())
print(type(torch.from_dlpack(x)).__module__)
"""


def test_torch_onnx_export_is_glassgrads_under_glassgrad_run(tmp_path: Path):
    (tmp_path / "port.py").write_text(SCRIPT)
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parents[2] / "src")}
    result = subprocess.run([sys.executable, "-m", "glassgrad.cli", "run", "port.py"], cwd=tmp_path, env=env,
                            capture_output=True, text=True, timeout=300)  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "glassgrad.tensor"
    (got,) = session((tmp_path / "model.onnx").read_bytes()).run(["y"], {"x": np.load(tmp_path / "x.npy")})
    assert float(np.abs(got - np.load(tmp_path / "expected.npy")).max()) <= TOLERANCE
