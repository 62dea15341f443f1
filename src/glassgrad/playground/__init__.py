"""`glassgrad playground`: a page in the browser where a person builds a network, trains it live on glassgrad,
and watches every neuron and gradient (TensorFlow Playground's idea, on the real framework).

    datasets.py   the five 2-D data sets          validate.py   every setting from the page, checked
    network.py    the MLP, optimizer, schedule    session.py    one tab's training state and the frames it draws
    zoom.py       a neuron's scalar zoom          digits.py     the digits tab's CNN (a `glassgrad train` run)
    server.py     Starlette + WebSockets          static/       the page: index.html, app.js, draw.js, digits.js

The web stack is an optional extra: `pip install glassgrad[playground]` (starlette, uvicorn, websockets).
"""

from .session import Session
from .validate import ParameterError, PlaygroundConfig, validate

WEB_STACK = ("starlette", "uvicorn", "websockets")


def missing_web_stack() -> list[str]:
    """The web packages the server needs that this Python lacks (empty when all are there)."""
    import importlib.util

    return [name for name in WEB_STACK if importlib.util.find_spec(name) is None]


__all__ = ["ParameterError", "PlaygroundConfig", "Session", "missing_web_stack", "validate"]
