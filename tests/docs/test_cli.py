"""`glassgrad docs`: finds a built copy without rebuilding it, builds with --build (warnings as errors), and says
in one line what to install when Sphinx is missing."""

from __future__ import annotations

import builtins
from pathlib import Path

import pytest

from glassgrad.cli import main


def test_docs_finds_the_built_copy(site: dict, capsys: pytest.CaptureFixture) -> None:
    assert main(["docs", "--out", str(site["out"])]) == 0
    out = capsys.readouterr().out
    assert out == f"docs: {site['out'] / 'index.html'}\n"  # printed, not rebuilt


def test_docs_build_builds_into_the_folder(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    pytest.importorskip("sphinx")
    pytest.importorskip("myst_parser")
    assert main(["docs", "--build", "--out", str(tmp_path / "site")]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("docs: built in ") and lines[1] == f"docs: {tmp_path / 'site' / 'index.html'}"
    assert (tmp_path / "site" / "reference" / "glassgrad.nn.html").is_file()


def test_docs_without_sphinx_says_what_to_install(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                  capsys: pytest.CaptureFixture) -> None:
    real_import = builtins.__import__

    def no_sphinx(name: str, *args: object, **kwargs: object) -> object:
        if name.startswith("sphinx"):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_sphinx)
    assert main(["docs", "--build", "--out", str(tmp_path / "site")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "glassgrad docs: error:" in err and "pip install -e '.[docs]'" in err
