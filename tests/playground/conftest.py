"""A real playground server on a free 127.0.0.1 port (uvicorn in a thread), and a headless chromium for it.

The browser needs Debian's chromium and the playwright package, the server starlette/uvicorn/websockets (the
test extra installs them); tests that need either skip without them.
"""

from __future__ import annotations

import shutil
import socket
import threading
import time

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
BROWSER_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--no-first-run"]  # fmt: skip


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class RunningServer:
    """uvicorn serving `playground.app` in a daemon thread until `stop()`."""

    def __init__(self, playground) -> None:
        import uvicorn

        self.playground = playground
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        config = uvicorn.Config(playground.app, host="127.0.0.1", port=self.port, log_level="warning",
                                ws_max_size=playground.limits.max_message_bytes)  # fmt: skip
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the playground server did not start within 20 s")
            time.sleep(0.05)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(10)


def start_server(**playground_args) -> RunningServer:
    pytest.importorskip("starlette")
    pytest.importorskip("uvicorn")
    pytest.importorskip("websockets")
    from glassgrad.playground.server import Playground

    return RunningServer(Playground(**playground_args))


@pytest.fixture(scope="module")
def server():
    running = start_server()
    yield running
    running.stop()


@pytest.fixture(scope="module")
def browser():
    if CHROMIUM is None:
        pytest.skip("chromium is not installed")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=BROWSER_ARGS)
        yield launched
        launched.close()


class Page:
    """A playwright page on the playground that records console errors and page errors."""

    def __init__(self, browser, url: str) -> None:
        self.errors: list[str] = []
        self.page = browser.new_page(viewport={"width": 1400, "height": 1000})
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.goto(url)
        self.page.wait_for_function("window.playground && window.playground.frames > 0", timeout=15000)

    def testid(self, name: str):
        return self.page.locator(f"[data-testid={name}]")

    def state(self, expression: str):
        return self.page.evaluate(f"() => window.playground.{expression}")

    def frames(self) -> int:
        return self.state("frames")

    def wait_frames_after(self, count: int, timeout: float = 15000) -> None:
        self.page.wait_for_function(f"window.playground.frames > {count}", timeout=timeout)

    def boundary_pixels(self) -> str:
        return self.page.evaluate("() => document.querySelector('[data-testid=boundary]').toDataURL()")

    def close(self) -> None:
        self.page.close()
