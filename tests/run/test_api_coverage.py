"""scripts/api_coverage.py: the names it reads from a program, and how it decides a name is covered."""

from __future__ import annotations

import importlib.util
import sys
import textwrap
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "api_coverage.py"
spec = importlib.util.spec_from_file_location("api_coverage", SCRIPT)
api_coverage = importlib.util.module_from_spec(spec)
sys.modules["api_coverage"] = api_coverage  # dataclasses look their module up there
spec.loader.exec_module(api_coverage)


def test_it_reads_torch_paths_through_the_programs_aliases(tmp_path, monkeypatch):
    (tmp_path / "prog.py").write_text(textwrap.dedent("""
        import torch
        import torch.nn as nn
        import torch.nn.functional as F
        from torch.utils.data import DataLoader as Loader
        model = nn.Sequential(nn.Linear(2, 2))
        y = F.relu(torch.zeros(2)).unsqueeze(0)
        loader = Loader([1])
        model.parameters()
    """))
    monkeypatch.setattr(api_coverage, "PORT_PROGRAMS", tmp_path)
    paths = {name.path for name in api_coverage.port_suite_names()}
    assert {"torch.nn.Sequential", "torch.nn.Linear", "torch.nn.functional.relu", "torch.zeros",
            "torch.utils.data.DataLoader", "torch.Tensor.unsqueeze"} <= paths
    assert "torch.Tensor.parameters" not in paths  # a Module method, not a Tensor one


def test_covered_means_the_path_resolves_and_takes_the_keywords():
    Name = api_coverage.Name
    assert api_coverage.in_glassgrad(Name.parse("torch.nn.modules.linear.Linear", "t"))
    assert api_coverage.in_glassgrad(Name.parse("torch.optim.LBFGS.step(closure)", "t"))
    assert not api_coverage.in_glassgrad(Name.parse("torch.optim.LBFGS.step(not_an_argument)", "t"))
    assert not api_coverage.in_glassgrad(Name.parse("torch.nn.NoSuchLayer", "t"))
    assert not api_coverage.in_glassgrad(Name.parse("torch.backend", "t"))  # glassgrad's internal, not torch's
    assert api_coverage.in_glassgrad(Name.parse("torch.tensor", "t"))  # a function, though tensor.py is internal


def test_every_listed_name_exists_in_pytorch():
    pytest.importorskip("torch")
    absent = [spec for spec in api_coverage.ISSUE_18
              if api_coverage.in_torch(api_coverage.Name.parse(spec, "t")) is False]
    assert absent == []


def test_the_summary_line(capsys):
    assert api_coverage.main(["--summary"]) == 0
    assert capsys.readouterr().out.startswith("glassgrad covers issue 18's list: ")


def test_whole_namespaces_count_what_pytorch_lists():
    pytest.importorskip("torch")
    spaces = api_coverage.whole_namespaces()
    covered, total, missing = spaces["torch.nn"]
    assert 0 < covered <= total and len(missing) == total - covered
    assert "Linear" not in missing and "LSTM" not in missing
    assert "topk" not in spaces["torch.Tensor"][2]
