"""The site builds with warnings as errors, and its reference has an entry for every public name that exists.

The names are read from the modules at build time (docs/_ext/gg_reference.py), so a name added to a module is
covered without editing the docs; the build warns, and so fails, for a name whose entry is missing."""

from __future__ import annotations

import html
import importlib
import json
import re
import sys
from pathlib import Path

import pytest

from .conftest import DOCS

sys.path.insert(0, str(DOCS / "_ext"))
gg_reference = pytest.importorskip("gg_reference", reason="Sphinx is not installed")


def test_the_site_builds_with_no_warning(site: dict) -> None:
    assert site["warnings"] == "", site["warnings"]
    assert site["status"] == 0
    print(f"docs build: {site['seconds']:.1f} s")
    assert site["seconds"] < 300  # it builds from the kept lab results; a lab rerun would show here


def test_every_public_name_has_a_reference_entry(site: dict) -> None:
    coverage = json.loads((site["out"] / "coverage.json").read_text())
    expected = sum(len(gg_reference.public_names(name)) for name, _ in gg_reference.MODULES)
    assert coverage["public_names"] == expected > 400
    assert coverage["documented"] == coverage["public_names"]
    print(f"public names documented: {coverage['documented']} of {coverage['public_names']}; "
          f"with a docstring of their own: {coverage['with_docstring']}")
    linear = (site["out"] / "reference" / "glassgrad.nn.html").read_text()
    assert 'id="glassgrad.nn.Linear"' in linear and "in_features" in linear


def test_a_name_added_to_a_module_is_a_public_name(monkeypatch: pytest.MonkeyPatch) -> None:
    viz = importlib.import_module("glassgrad.viz")

    def brand_new() -> None:
        """A name no page mentions."""

    monkeypatch.setattr(viz, "brand_new", brand_new, raising=False)
    monkeypatch.setattr(viz, "__all__", [*viz.__all__, "brand_new"])
    assert "brand_new" in gg_reference.public_names("glassgrad.viz")
    assert ".. autofunction:: glassgrad.viz.brand_new" in gg_reference.module_page("glassgrad.viz", "Visualisation")


def test_a_public_name_without_an_entry_is_a_warning(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """check_coverage against a Python domain that lacks one entry: exactly that name is reported."""
    seen: list[str] = []
    monkeypatch.setattr(gg_reference.LOGGER, "warning", lambda message, **_: seen.append(message))
    monkeypatch.setattr(gg_reference, "MODULES", [("glassgrad.diagnostics", "Diagnostics")])
    names = gg_reference.public_names("glassgrad.diagnostics")
    objects = {f"glassgrad.diagnostics.{name}": None for name in names[1:]}

    class Env:
        def get_domain(self, _: str) -> object:
            return type("Domain", (), {"objects": objects})()

    class App:
        outdir = str(tmp_path)

    gg_reference.check_coverage(App(), Env())
    assert seen == [f"public name glassgrad.diagnostics.{names[0]} has no entry in the reference"]
    coverage = json.loads((tmp_path / "coverage.json").read_text())
    assert coverage["documented"] == len(names) - 1 and coverage["public_names"] == len(names)


def test_the_commands_page_is_the_parsers_help(site: dict) -> None:
    page = (site["out"] / "reference" / "commands.html").read_text()
    for command in ("train", "lab", "docs", "playground", "lr-find"):
        assert f"usage: glassgrad {command}" in page  # the subcommand's own --help, as argparse prints it
    assert "--no-browser" in page and "--open" in page


def test_the_tutorials_follow_the_labs_order(site: dict) -> None:
    from glassgrad import lab

    index = (site["out"] / "learn" / "index.html").read_text()
    positions = [index.find(f'href="{name}.html"') for name in lab.present()]
    assert all(p >= 0 for p in positions) and positions == sorted(positions)
    for name in lab.present():
        page = (site["out"] / "learn" / f"{name}.html").read_text()
        text = " ".join(html.unescape(re.sub(r"<[^>]+>", "", page)).split())
        results = json.loads((DOCS / "lab" / name / "results.json").read_text())
        for claim in results["claims"]:  # each claim on its page: what, measured, expected, verdict
            verdict = "holds" if claim["holds"] else "DOES NOT HOLD"
            measured = f"{claim['measured']:.4g}" if isinstance(claim["measured"], float) else str(claim["measured"])
            row = " ".join(f"{claim['name']} {measured} {claim['unit']}".split())
            assert f"{row} {' '.join(claim['expected'].split())} {verdict}".replace("`", "'") in text, claim
        assert page.count("<img") >= len(results["figures"]) >= 1


def test_an_entry_without_a_docstring_shows_its_ops_derivative(site: dict) -> None:
    import glassgrad as gg
    from glassgrad.ops.arithmetic import AddOp
    from glassgrad.ops.unary import ExpOp

    assert gg_reference.ops_behind(gg.exp) == [ExpOp]  # directly
    assert gg_reference.ops_behind(gg.add) == [AddOp]  # Tensor.add -> arithmetic.add -> AddOp
    page = html.unescape((site["out"] / "reference" / "glassgrad.html").read_text())
    entry = page[page.index('id="glassgrad.exp"'):]
    entry = entry[: entry.index("<dt ", 1)]
    assert "glassgrad.ops.unary.ExpOp" in entry and "dy/dx" in entry
