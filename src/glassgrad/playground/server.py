"""The playground's web server: Starlette under uvicorn, one WebSocket per browser tab, one Session per socket.

    GET /            the page (static/index.html); /static/* its script and style, served from the package
    GET /stats       {"sessions": n, "steps_streamed": total, "limits": {...}} (the throughput measurement reads it)
    GET /digits      the digits model's status (loading, training on the spot, ready, failed)
    WS  /ws          the page's messages in, frames out (the protocol is below)

Protocol (JSON text messages). The page sends {"type": ...}:
    config {config: {...settings}}   new settings; training restarts from step 0 (bad values: an "error" reply)
    play | pause | reset             training on/off; reset rebuilds the network with the same settings
    step                             pause, then one forward, one backward and one update (single-step mode)
    inspect {layer, neuron}          a neuron's value, gradient and scalar zoom at the last step
    digit {pixels: 784 numbers}      the digits tab: class probabilities and feature maps of a 28×28 drawing
The server sends hello (limits, digits status), data (the points), frame (what the page draws, at most
`frames_per_second`), stepped, inspect, digit, error {field, message} (the page shows it; the session lives on)
and fatal {message} (then the socket closes: a malformed message, too many messages, or too many sessions).

Training runs on the event loop in slices of at most `slice_s` seconds, so every session gets its turn and none
can hold the server; each session's steps per second are capped by `steps_per_second`.
"""

from __future__ import annotations

import asyncio
import json
import math
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from starlette.applications import Starlette
from starlette.responses import FileResponse, JSONResponse
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles
from starlette.websockets import WebSocket, WebSocketDisconnect, WebSocketState

from .session import Session
from .validate import ParameterError

STATIC = Path(__file__).parent / "static"
CLOSE_POLICY = 1008  # WebSocket close code "policy violation": the page shows the fatal message before it
CLOSE_TRY_LATER = 1013


@dataclass(frozen=True)
class Limits:
    """What one server allows. Defaults suit a laptop: 8 tabs of at most 500 steps a second each."""

    max_sessions: int = 8
    steps_per_second: int = 500  # per session
    frames_per_second: float = 10.0
    slice_s: float = 0.03  # the longest one session holds the event loop before the others get their turn
    messages_per_second: int = 100  # more than this in one second is a misbehaving client: its session closes
    max_message_bytes: int = 64 * 1024


class MalformedMessage(ValueError):
    """A message that is not the protocol's: it ends its session (fatal), not just an error line."""


class Playground:
    """The app and its sessions. `digits` is a digits.DigitsProvider (or None: the digits tab says so)."""

    def __init__(self, limits: Limits | None = None, digits=None) -> None:
        self.limits = limits or Limits()
        self.digits = digits
        self.sessions: dict[int, Session] = {}
        self.steps_streamed = 0
        self._next_id = 0
        self.app = Starlette(routes=[
            Route("/", self._index),
            Route("/stats", self._stats),
            Route("/digits", self._digits_status),
            Mount("/static", app=StaticFiles(directory=STATIC), name="static"),
            WebSocketRoute("/ws", self._socket),
        ])  # fmt: skip

    async def _index(self, request) -> FileResponse:
        return FileResponse(STATIC / "index.html", headers={"Cache-Control": "no-store"})

    async def _stats(self, request) -> JSONResponse:
        return JSONResponse({"sessions": len(self.sessions), "steps_streamed": self.steps_streamed,
                             "limits": asdict(self.limits)})  # fmt: skip

    async def _digits_status(self, request) -> JSONResponse:
        return JSONResponse(self.digits.status() if self.digits else _NO_DIGITS)

    # ---- one socket -------------------------------------------------------------------------------------------
    async def _socket(self, ws: WebSocket) -> None:
        await ws.accept()
        channel = _Channel(ws)
        if len(self.sessions) >= self.limits.max_sessions:
            await channel.close_with(f"the playground already has {len(self.sessions)} sessions open, its limit; "
                                     "close another tab and reload this one", CLOSE_TRY_LATER)  # fmt: skip
            return
        session = Session()
        session_id = self._next_id
        self._next_id += 1
        self.sessions[session_id] = session
        runner = asyncio.create_task(self._train_loop(channel, session))
        try:
            await channel.send({"type": "hello", "session": session_id, "limits": asdict(self.limits),
                                "digits": self.digits.status() if self.digits else _NO_DIGITS})  # fmt: skip
            await channel.send(session.data_message())
            await channel.send(session.frame())
            await self._receive_loop(channel, session)
        except MalformedMessage as error:
            await channel.close_with(f"malformed message, session closed: {error}", CLOSE_POLICY)
        finally:
            runner.cancel()
            session.close()
            del self.sessions[session_id]

    async def _receive_loop(self, channel: _Channel, session: Session) -> None:
        window_start, count = time.monotonic(), 0
        while True:
            message = await channel.ws.receive()
            if message["type"] == "websocket.disconnect":
                return
            now = time.monotonic()
            if now - window_start >= 1.0:
                window_start, count = now, 0
            count += 1
            if count > self.limits.messages_per_second:
                raise MalformedMessage(f"more than {self.limits.messages_per_second} messages in one second")
            text = message.get("text")
            if text is None:
                raise MalformedMessage("expected a JSON text message, got binary data")
            if len(text) > self.limits.max_message_bytes:
                raise MalformedMessage(f"a message of {len(text)} bytes; the limit is {self.limits.max_message_bytes}")
            try:
                body = json.loads(text)
            except ValueError as error:
                raise MalformedMessage(f"not JSON ({error})") from error
            if not isinstance(body, dict) or not isinstance(body.get("type"), str):
                raise MalformedMessage('expected a JSON object with a "type" string')
            await self._handle(channel, session, body)

    async def _handle(self, channel: _Channel, session: Session, body: dict) -> None:
        kind = body["type"]
        if kind == "config":
            try:
                session.configure(body.get("config"))
            except ParameterError as error:
                await channel.send({"type": "error", "field": error.field, "message": str(error)})
                return
            await channel.send(session.data_message())
            await channel.send(session.frame())
        elif kind in ("play", "pause"):
            session.running = kind == "play"
            await channel.send(session.frame())
        elif kind == "reset":
            session.reset()
            await channel.send(session.data_message())
            await channel.send(session.frame())
        elif kind == "step":
            session.running = False
            detail = session.single_step()
            self.steps_streamed += 1
            detail["weights_before"] = [{"weight": w.tolist(), "bias": b.tolist()}
                                        for w, b in session.last_step["weights"]]  # fmt: skip
            await channel.send({"type": "stepped", **detail})
            await channel.send(session.frame())
        elif kind == "inspect":
            layer, neuron = _integer(body, "layer"), _integer(body, "neuron")
            try:
                await channel.send({"type": "inspect", **session.inspect(layer, neuron)})
            except (LookupError, IndexError) as error:
                await channel.send({"type": "error", "field": "inspect", "message": str(error).strip("'\"")})
        elif kind == "digit":
            await self._digit(channel, body)
        else:
            raise MalformedMessage(f"unknown message type {kind!r}")

    async def _digit(self, channel: _Channel, body: dict) -> None:
        pixels = body.get("pixels")
        if not isinstance(pixels, list) or len(pixels) != 28 * 28:
            raise MalformedMessage("a digit message needs pixels: a list of 784 numbers (28×28, row by row)")
        if not all(isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) for v in pixels):
            raise MalformedMessage("a digit's pixels must be finite numbers")
        if self.digits is None or self.digits.model is None:
            status = self.digits.status() if self.digits else _NO_DIGITS
            await channel.send({"type": "error", "field": "digits", "message": status["message"]})
            return
        await channel.send({"type": "digit", **self.digits.model.predict(pixels)})

    async def _train_loop(self, channel: _Channel, session: Session) -> None:
        """Train while `running`: each tick a capped number of steps in at most one slice, then one frame."""
        period = 1.0 / self.limits.frames_per_second
        steps_per_tick = max(1, round(self.limits.steps_per_second * period))
        loop = asyncio.get_running_loop()
        while True:
            tick = loop.time()
            if session.running:
                done = session.train(steps_per_tick, budget_s=self.limits.slice_s)
                self.steps_streamed += done
                frame = session.frame()
                await channel.send(frame)
            # sleep(0) at least, so a slow tick still lets the other sessions and the sockets run
            await asyncio.sleep(max(0.0, period - (loop.time() - tick)))


_NO_DIGITS = {"state": "none", "message": "this server has no digits model (start it without --no-digits)"}


class _Channel:
    """A socket's sending side: one message at a time (the training loop and the replies both send)."""

    def __init__(self, ws: WebSocket) -> None:
        self.ws = ws
        self._lock = asyncio.Lock()

    async def send(self, message: dict) -> None:
        async with self._lock:
            if self.ws.application_state != WebSocketState.CONNECTED:
                return
            try:
                await self.ws.send_text(json.dumps(message, allow_nan=False))
            except (WebSocketDisconnect, RuntimeError, OSError):
                # the tab closed while a frame was on its way: the receive loop sees the disconnect and ends
                # the session; nothing is left to tell the page
                return

    async def close_with(self, message: str, code: int) -> None:
        await self.send({"type": "fatal", "message": message})
        async with self._lock:
            if self.ws.application_state == WebSocketState.CONNECTED:
                await self.ws.close(code=code)


def _integer(body: dict, name: str) -> int:
    value = body.get(name)
    if isinstance(value, bool) or not isinstance(value, int):
        raise MalformedMessage(f"{body['type']} needs {name}: a whole number, got {value!r}")
    return value


def serve(playground: Playground, host: str = "127.0.0.1", port: int = 8765, log_level: str = "warning"):
    """Run the server until interrupted (uvicorn's own Ctrl-C handling)."""
    import uvicorn

    uvicorn.run(
        playground.app, host=host, port=port, log_level=log_level, ws_max_size=playground.limits.max_message_bytes
    )


def launch(host: str, port: int, open_browser: bool, digits_run: str | None, runs_dir: str, digits: bool) -> int:
    """`glassgrad playground`: print the address (loudly when it is not loopback), open a browser, serve."""
    import ipaddress
    import sys
    import threading
    import webbrowser

    from .digits import DigitsProvider

    provider = DigitsProvider(digits_run, runs_dir).start() if digits else None
    playground = Playground(digits=provider)
    shown = f"[{host}]" if ":" in host else host
    url = f"http://{shown}:{port}/"
    print(f"glassgrad playground: serving on {url} (Ctrl-C stops it)", flush=True)
    try:
        loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        print(f"glassgrad playground: WARNING: listening on {host}, not on the loopback address: anyone who can "
              "reach this machine on that address can open the page and use its CPU. Use --host 127.0.0.1 to "
              "keep it local.", file=sys.stderr, flush=True)  # fmt: skip
    if open_browser:
        threading.Timer(1.0, webbrowser.open, [url]).start()  # after uvicorn has bound the port
    serve(playground, host, port)
    return 0
