"""`glassgrad playground` on the command line: a missing web stack and a bad port are one line, status 2."""

from __future__ import annotations

import glassgrad.playground as playground
from glassgrad.cli import main


def test_without_the_web_stack_it_says_what_to_install(monkeypatch, capsys) -> None:
    monkeypatch.setattr(playground, "missing_web_stack", lambda: ["uvicorn"])
    assert main(["playground", "--no-browser"]) == 2
    error = capsys.readouterr().err
    assert "needs uvicorn" in error and "pip install glassgrad[playground]" in error


def test_a_port_out_of_range(capsys) -> None:
    assert main(["playground", "--port", "70000", "--no-browser"]) == 2
    assert "--port must be from 1 to 65535, got 70000" in capsys.readouterr().err
