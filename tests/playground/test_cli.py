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


def test_it_prints_the_address_and_warns_loudly_off_loopback(monkeypatch, capsys) -> None:
    server = __import__("pytest").importorskip("glassgrad.playground.server")
    served = []
    monkeypatch.setattr(server, "serve", lambda playground, host, port: served.append((host, port)))
    assert main(["playground", "--no-browser", "--no-digits", "--port", "9123"]) == 0
    out = capsys.readouterr()
    assert "http://127.0.0.1:9123/" in out.out and "WARNING" not in out.err
    assert main(["playground", "--no-browser", "--no-digits", "--host", "0.0.0.0", "--port", "9124"]) == 0
    out = capsys.readouterr()
    assert "http://0.0.0.0:9124/" in out.out
    assert "WARNING: listening on 0.0.0.0, not on the loopback address" in out.err
    assert served == [("127.0.0.1", 9123), ("0.0.0.0", 9124)]
