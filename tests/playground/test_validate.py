"""validate: every setting from the page is checked, and a bad one names the setting, the value and the bounds."""

from __future__ import annotations

import pytest

from glassgrad.playground.validate import MAX_LAYERS, MAX_NEURONS, ParameterError, PlaygroundConfig, validate


def test_defaults_and_a_partial_update_over_a_base() -> None:
    config = validate({})
    assert config == PlaygroundConfig()
    changed = validate({"activation": "relu", "layers": [8, 8, 3]}, base=config)
    assert changed.activation == "relu" and changed.layers == (8, 8, 3)
    assert changed.dataset == config.dataset


@pytest.mark.parametrize(
    ("values", "field", "words"),
    [
        ({"layers": [4] * (MAX_LAYERS + 1)}, "layers", "at most 6"),
        ({"layers": [4, MAX_NEURONS + 1]}, "layers", "hidden layer 2 has 9 neurons"),
        ({"layers": [0]}, "layers", "choose 1 to 8"),
        ({"layers": [2.5]}, "layers", "2.5"),
        ({"layers": "4,2"}, "layers", "a list"),
        ({"learning_rate": 50}, "learning_rate", "learning rate 50 is out of bounds"),
        ({"learning_rate": 0}, "learning_rate", "1e-05 to 10"),
        ({"learning_rate": "fast"}, "learning_rate", "'fast'"),
        ({"batch_size": True}, "batch_size", "whole number"),
        ({"batch_size": 3.5}, "batch_size", "whole number"),
        ({"n_points": 10_000}, "n_points", "50 to 2000"),
        ({"noise": -1}, "noise", "0 to 50"),
        ({"l2": float("nan")}, "l2", "nan"),
        ({"activation": "swish"}, "activation", "relu, gelu, tanh, sigmoid, linear"),
        ({"dataset": "moons"}, "dataset", "circle"),
        ({"features": []}, "features", "at least one"),
        ({"features": ["x3"]}, "features", "'x3'"),
        ({"features": ["x1", "x1"]}, "features", "once"),
        ({"batch_size": 200, "n_points": 100}, "batch_size", "larger than the 50 training points"),
        ({"speed": 3}, "speed", "unknown setting 'speed'"),
    ],
)
def test_a_bad_setting_names_itself_its_value_and_the_fix(values: dict, field: str, words: str) -> None:
    with pytest.raises(ParameterError, match=".") as caught:
        validate(values)
    assert caught.value.field == field
    assert words in str(caught.value), str(caught.value)


def test_settings_that_are_not_an_object() -> None:
    with pytest.raises(ParameterError) as caught:
        validate([1, 2])
    assert caught.value.field == "config" and "JSON object" in str(caught.value)


def test_features_keep_a_fixed_order_and_bounds_are_inclusive() -> None:
    config = validate({"features": ["sin2", "x1"], "layers": [], "learning_rate": 10, "n_points": 50})
    assert config.features == ("x1", "sin2")
    assert config.layers == () and config.learning_rate == 10.0 and config.n_points == 50
