"""The recipes' measured results: one table (recipes.MEASURED) behind `glassgrad recipes` and README's table."""

from __future__ import annotations

import re
from pathlib import Path

from glassgrad.train.recipes import MEASURED, RECIPES

README = Path(__file__).resolve().parents[2] / "README.md"


def _readme_recipe_rows() -> dict[str, list[str]]:
    """README's recipes table: the first recipe named in each row -> the row's cells."""
    lines = README.read_text(encoding="utf-8").splitlines()
    start = lines.index("| recipe | model and data | result | time |")
    rows = {}
    for line in lines[start + 2 :]:
        if not line.startswith("|"):  # the table ends
            break
        name = re.match(r"\| `([\w-]+)`", line).group(1)
        rows[name] = [cell.strip() for cell in line.strip().strip("|").split("|")]
    return rows


def test_every_measured_name_is_a_recipe() -> None:
    assert set(MEASURED) <= set(RECIPES)


def test_expected_is_the_measured_table() -> None:
    assert RECIPES["cnn-digits"].expected == "99.15% test accuracy in 48 s"
    assert RECIPES["cnn-mnist"].expected == "not measured yet"
    for name, measured in MEASURED.items():
        assert RECIPES[name].expected == f"{measured.result} in {measured.seconds} s"


def test_readme_shows_the_measured_numbers() -> None:
    rows = _readme_recipe_rows()
    for name, measured in MEASURED.items():
        assert name in rows, f"README's recipes table has no row for {name}"
        assert rows[name][-2:] == [measured.result, f"{measured.seconds} s"], (
            f"README's row for {name} says {rows[name][-2:]}, recipes.MEASURED says {measured}: "
            "measure again and change both, or neither"
        )
    unmeasured = [name for name in rows if name not in MEASURED]
    assert unmeasured and all("not measured" in rows[name][-2] for name in unmeasured)
