"""`glassgrad run SCRIPT`: an unmodified PyTorch script on glassgrad, with Python's own way of reporting failures."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from glassgrad import run as run_module
from glassgrad import torch_alias

SRC = str(Path(__file__).resolve().parents[2] / "src")


def run_script(tmp_path: Path, source: str, *args: str) -> subprocess.CompletedProcess:
    script = tmp_path / "script.py"
    script.write_text(textwrap.dedent(source))
    env = {**os.environ, "PYTHONPATH": SRC + os.pathsep + os.environ.get("PYTHONPATH", "")}
    return subprocess.run([sys.executable, "-m", "glassgrad.run", str(script), *args], capture_output=True,
                          text=True, env=env, timeout=120)


def test_torch_is_glassgrad_all_the_way_down(tmp_path):
    result = run_script(tmp_path, """
        import sys
        import torch
        import torch.nn as nn
        import torch.nn.functional as F
        import torch.optim.lr_scheduler
        import torch.nn.modules.linear
        from torch.optim import Adadelta
        import glassgrad
        assert torch is glassgrad and nn is glassgrad.nn and F is glassgrad.nn.functional
        assert sys.modules["torch.nn.modules.linear"].Linear is glassgrad.nn.Linear
        assert torch.optim.lr_scheduler.StepLR is glassgrad.optim.lr_scheduler.StepLR
        assert Adadelta is glassgrad.optim.Adadelta
        assert glassgrad.nn.__spec__.name == "glassgrad.nn"   # glassgrad keeps its own spec
        print("argv", sys.argv[1:], __name__)
    """, "--lr", "0.1", "x")
    assert result.returncode == 0, result.stderr
    assert "argv ['--lr', '0.1', 'x'] __main__" in result.stdout


def test_real_torch_is_never_loaded(tmp_path):
    result = run_script(tmp_path, """
        import sys
        import torch
        import torch.nn
        assert "site-packages/torch" not in (getattr(sys.modules["torch"], "__file__", "") or "")
        print(sorted(name for name in sys.modules if name.startswith("torch")))
    """)
    assert result.returncode == 0, result.stderr
    assert "'torch'" in result.stdout and "'torch.nn'" in result.stdout


def test_a_missing_submodule_names_itself_and_the_line(tmp_path):
    result = run_script(tmp_path, """
        import torch

        import torch.nn.utils.rnn
    """)
    assert result.returncode == 1
    assert "ModuleNotFoundError: glassgrad does not implement torch.nn.utils.rnn" in result.stderr
    assert "script.py:4" in result.stderr
    assert "pad the sequences" in result.stderr  # the nearest glassgrad equivalent
    assert "torch_alias.py" not in result.stderr  # the hook's own frames are left out, as importlib's are


def test_a_library_built_on_torch_fails_at_its_import(tmp_path):
    result = run_script(tmp_path, "import torchvision\n")
    assert result.returncode == 1
    assert "glassgrad does not implement torchvision" in result.stderr
    assert "glassgrad.datasets" in result.stderr


def test_a_missing_name_in_from_import_gets_our_message(tmp_path):
    result = run_script(tmp_path, "from torch.nn import Linear, TotallyMissingLayer\n")
    assert result.returncode == 1
    assert "ImportError: glassgrad does not implement torch.nn.TotallyMissingLayer (used at" in result.stderr


def test_a_missing_attribute_never_suggests_an_internal_module(tmp_path):
    result = run_script(tmp_path, "import torch\ntorch.backendz\n")
    assert result.returncode == 1
    assert "glassgrad does not implement torch.backendz (used at" in result.stderr
    assert "script.py:2" in result.stderr
    assert "'backend'" not in result.stderr and "Did you mean" not in result.stderr


def test_script_exceptions_show_the_scripts_traceback(tmp_path):
    result = run_script(tmp_path, """
        def broken():
            raise ValueError("from the script")

        broken()
    """)
    assert result.returncode == 1
    assert 'script.py", line 5, in <module>' in result.stderr
    assert 'script.py", line 3, in broken' in result.stderr
    assert "ValueError: from the script" in result.stderr
    assert "glassgrad/run.py" not in result.stderr


@pytest.mark.parametrize(("code", "status"), [("sys.exit()", 0), ("sys.exit(3)", 3), ("sys.exit('bye')", 1)])
def test_sys_exit_sets_the_status(tmp_path, code, status):
    result = run_script(tmp_path, f"import sys\n{code}\n")
    assert result.returncode == status


def test_missing_script_is_pythons_message(tmp_path, capsys):
    missing = tmp_path / "missing.py"
    assert run_module.main([str(missing)]) == 2
    assert f"can't open file {str(missing)!r}: [Errno 2] No such file or directory" in capsys.readouterr().err


def test_syntax_error_names_the_script_and_line(tmp_path, capsys):
    script = tmp_path / "broken.py"
    script.write_text("import torch\nx = (1,\n")
    assert run_module.main([str(script)]) == 1
    err = capsys.readouterr().err
    assert f'File "{script}", line 2' in err and "SyntaxError" in err


def test_no_script_prints_usage(capsys):
    assert run_module.main([]) == 2
    assert "usage: glassgrad run SCRIPT" in capsys.readouterr().err


def test_in_process_run_gives_the_callers_torch_back(tmp_path):
    torch = pytest.importorskip("torch")
    script = tmp_path / "uses_torch.py"
    script.write_text("import torch, glassgrad\nassert torch is glassgrad\n")
    assert run_module.main([str(script)]) == 0
    import torch as again

    assert again is torch and sys.modules["torch"] is torch
    assert not any(isinstance(finder, torch_alias.TorchAliasFinder) for finder in sys.meta_path)


def test_the_cli_passes_every_argument_through(tmp_path):
    script = tmp_path / "echo.py"
    script.write_text("import sys\nprint(sys.argv[1:])\n")
    env = {**os.environ, "PYTHONPATH": SRC + os.pathsep + os.environ.get("PYTHONPATH", "")}
    result = subprocess.run([sys.executable, "-m", "glassgrad.cli", "run", str(script), "--help", "--debug"],
                            capture_output=True, text=True, env=env, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "['--help', '--debug']"


def test_glassgrad_name_mapping():
    assert torch_alias.glassgrad_name("torch") == "glassgrad"
    assert torch_alias.glassgrad_name("torch.nn.functional") == "glassgrad.nn.functional"
    assert torch_alias.glassgrad_name("torch.utils.data.sampler") == "glassgrad.utils.data.sampler"
    assert torch_alias.glassgrad_name("torch.utils.tensorboard") is None
    assert torch_alias.glassgrad_name("torch.jit") is None
    assert torch_alias.glassgrad_name("torch.backend") is None  # glassgrad's internal backend is not torch's
