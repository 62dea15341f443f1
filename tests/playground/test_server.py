"""The server over real sockets (the websockets client): a malformed message closes only its own session, the
session limit turns a tab away with a message, bad settings are an error line, and the steps per second are
capped."""

from __future__ import annotations

import json
import time

import pytest

from .conftest import start_server

connect = pytest.importorskip("websockets.sync.client").connect
ConnectionClosed = pytest.importorskip("websockets.exceptions").ConnectionClosed


def _receive_until(socket, kind: str, timeout: float = 10.0) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        message = json.loads(socket.recv(timeout=timeout))
        if message["type"] == kind:
            return message
    raise AssertionError(f"no {kind} message within {timeout} s")


@pytest.fixture(scope="module")
def small_server():
    from glassgrad.playground.server import Limits

    running = start_server(limits=Limits(max_sessions=2, steps_per_second=100, frames_per_second=10))
    yield running
    running.stop()


def _url(server) -> str:
    return f"ws://127.0.0.1:{server.port}/ws"


@pytest.mark.parametrize(
    ("message", "words"),
    [
        ("not json at all", "not JSON"),
        ("[1, 2]", 'a JSON object with a "type"'),
        ('{"type": "explode"}', "unknown message type 'explode'"),
        ('{"type": "inspect", "layer": "one", "neuron": 0}', "layer: a whole number"),
        ('{"type": "digit", "pixels": [1, 2]}', "784 numbers"),
    ],
)
def test_a_malformed_message_closes_that_session_and_leaves_the_others(small_server, message: str, words: str) -> None:
    with connect(_url(small_server)) as good, connect(_url(small_server)) as bad:
        _receive_until(good, "frame")
        _receive_until(bad, "frame")
        bad.send(message)
        fatal = _receive_until(bad, "fatal")
        assert "malformed message" in fatal["message"] and words in fatal["message"], fatal
        with pytest.raises(ConnectionClosed) as closed:  # the server closed it
            for _ in range(10):
                bad.recv(timeout=5)
        assert closed.value.rcvd.code == 1008
        good.send(json.dumps({"type": "step"}))
        assert _receive_until(good, "stepped")["step"] == 1


def test_bad_settings_are_an_error_message_not_a_closed_session(small_server) -> None:
    with connect(_url(small_server)) as socket:
        _receive_until(socket, "frame")
        socket.send(json.dumps({"type": "config", "config": {"batch_size": 0}}))
        error = _receive_until(socket, "error")
        assert error["field"] == "batch_size" and "1 to 256" in error["message"]
        socket.send(json.dumps({"type": "step"}))
        assert _receive_until(socket, "stepped")["step"] == 1


def test_the_session_limit_and_the_step_cap(small_server) -> None:
    with connect(_url(small_server)) as first, connect(_url(small_server)) as second:
        _receive_until(first, "frame")
        _receive_until(second, "frame")
        with connect(_url(small_server)) as third:
            fatal = _receive_until(third, "fatal")
            assert "2 sessions open" in fatal["message"]
        first.send(json.dumps({"type": "play"}))
        start = time.monotonic()
        steps = 0
        while time.monotonic() - start < 1.5:
            steps = _receive_until(first, "frame")["step"]
        rate = steps / (time.monotonic() - start)
        assert 20 < rate <= 100 * 1.15, rate  # capped at 100 steps a second (a tick's rounding allowed)
        assert len(small_server.playground.sessions) == 2
    deadline = time.monotonic() + 5
    while small_server.playground.sessions and time.monotonic() < deadline:
        time.sleep(0.05)
    assert small_server.playground.sessions == {}  # closing the tabs ended their sessions
