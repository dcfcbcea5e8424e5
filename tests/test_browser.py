"""The rendered digest in headless Chromium at a 600 px and a 375 px viewport, light and dark."""

import base64
import contextlib
import fcntl
import json
import os
import select
import shutil
import signal
import tempfile
import time
from pathlib import Path

import pytest

from tasks.config import PROJECT_ROOT
from tasks.stages.render import digest_context, render_digest
from tests.tasks.stages.test_render import sample_records

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SCREENSHOTS = PROJECT_ROOT / "out" / "screenshots"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not os.access(CHROMIUM, os.X_OK), reason="chromium is not installed"),
]

# Flags needed on a closed network: nothing may phone home or wait for a GPU.
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--remote-debugging-pipe",
]

MEASURE = """(() => {
  const stories = [...document.querySelectorAll('[data-story]')].map(el => {
    const r = el.getBoundingClientRect(), style = getComputedStyle(el);
    const headline = el.querySelector('h2');
    return {id: el.id, left: r.left, right: r.right, width: r.width, height: r.height,
            shown: style.display !== 'none' && style.visibility !== 'hidden' && style.opacity !== '0',
            headline: headline ? headline.getBoundingClientRect().height : 0};
  });
  return {href: location.href, ready: document.readyState, inner: window.innerWidth, scroll: document.documentElement.scrollWidth,
          height: document.documentElement.scrollHeight, stories,
          background: getComputedStyle(document.querySelector('.cell')).backgroundColor};
})()"""


class Chromium:
    """Headless Chromium driven over the DevTools protocol on a pipe (fds 3 and 4): no extra packages."""

    def __init__(self) -> None:
        self.profile = tempfile.mkdtemp(prefix="briefing-chromium-")
        to_chrome, self._to_chrome = os.pipe()
        self._from_chrome, from_chrome = os.pipe()
        # Move the child's ends above 4 first, so placing them on 3 and 4 cannot overwrite one another.
        child_in = fcntl.fcntl(to_chrome, fcntl.F_DUPFD_CLOEXEC, 5)
        child_out = fcntl.fcntl(from_chrome, fcntl.F_DUPFD_CLOEXEC, 5)
        for fd in (to_chrome, from_chrome):
            os.close(fd)
        self.pid = os.posix_spawn(
            CHROMIUM,
            [CHROMIUM, *FLAGS, f"--user-data-dir={self.profile}", "about:blank"],
            os.environ,
            file_actions=[
                (os.POSIX_SPAWN_DUP2, child_in, 3),
                (os.POSIX_SPAWN_DUP2, child_out, 4),
                (os.POSIX_SPAWN_OPEN, 1, os.devnull, os.O_WRONLY, 0),
                (os.POSIX_SPAWN_OPEN, 2, os.devnull, os.O_WRONLY, 0),
            ],
        )
        for fd in (child_in, child_out):
            os.close(fd)
        self._buffer = b""
        self._next = 0
        self._events: list[str] = []
        self.session: str | None = None

    def _read(self) -> dict:
        while b"\0" not in self._buffer:
            if not select.select([self._from_chrome], [], [], 30)[0]:
                raise TimeoutError("chromium did not answer within 30 s")
            chunk = os.read(self._from_chrome, 1 << 16)
            if not chunk:
                raise RuntimeError("chromium closed the DevTools pipe")
            self._buffer += chunk
        message, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(message)

    def call(self, method: str, **params) -> dict:
        """Send one command and wait for its result (events in between are kept for `wait_for`)."""
        self._next += 1
        message = {"id": self._next, "method": method, "params": params}
        if self.session and not method.startswith("Target."):
            message["sessionId"] = self.session
        os.write(self._to_chrome, json.dumps(message).encode() + b"\0")
        while True:
            reply = self._read()
            if reply.get("id") == self._next:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply["result"]
            if "method" in reply:
                self._events.append(reply["method"])

    def navigate(self, url: str) -> None:
        """Open a URL in the page and wait for its load event."""
        self._events.clear()
        self.call("Page.navigate", url=url)
        while "Page.loadEventFired" not in self._events:
            self._events.append(self._read().get("method", ""))

    def open(self) -> None:
        """A new page, attached."""
        target = self.call("Target.createTarget", url="about:blank")["targetId"]
        self.session = self.call("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
        self.call("Page.enable")

    def close(self) -> None:
        """Quit the browser and remove its profile."""
        with contextlib.suppress(RuntimeError, OSError):
            self.call("Browser.close")
        for _ in range(100):
            if os.waitpid(self.pid, os.WNOHANG) != (0, 0):
                break
            time.sleep(0.1)
        else:
            os.kill(self.pid, signal.SIGKILL)
            os.waitpid(self.pid, 0)
        os.close(self._to_chrome)
        os.close(self._from_chrome)
        shutil.rmtree(self.profile, ignore_errors=True)


@pytest.fixture(scope="module")
def browser():
    chromium = Chromium()
    chromium.open()
    yield chromium
    chromium.close()


@pytest.fixture(scope="module")
def rendered(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("digest")
    parts = render_digest(digest_context(*sample_records(), "2026-11-24", 2, "Briefing"))
    for name, content in parts.items():
        (folder / name).write_text(content, encoding="utf-8")
    return folder


def look(
    browser: Chromium, page: Path, width: int, dark: bool = False, screenshot: Path | None = None
) -> dict:
    """Open a page at a viewport width; returns the measurements, optionally saving a full-page screenshot."""
    browser.call(
        "Emulation.setDeviceMetricsOverride", width=width, height=900, deviceScaleFactor=1, mobile=width < 600
    )
    browser.call(
        "Emulation.setEmulatedMedia",
        features=[{"name": "prefers-color-scheme", "value": "dark" if dark else "light"}],
    )
    browser.navigate(page.as_uri())
    found = browser.call("Runtime.evaluate", expression=MEASURE, returnByValue=True)["result"]["value"]
    assert (found["href"], found["ready"]) == (page.as_uri(), "complete")
    if screenshot is not None:
        clip = {"x": 0, "y": 0, "width": width, "height": found["height"], "scale": 1}
        data = browser.call("Page.captureScreenshot", format="png", clip=clip, captureBeyondViewport=True)[
            "data"
        ]
        screenshot.parent.mkdir(parents=True, exist_ok=True)
        screenshot.write_bytes(base64.b64decode(data))
    return found


@pytest.mark.parametrize("width", [600, 375])
@pytest.mark.parametrize("name", ["digest.html", "page.html"])
def test_no_horizontal_overflow_and_every_story_visible(browser, rendered, name, width):
    shot = SCREENSHOTS / f"digest-{width}.png" if name == "digest.html" else None
    found = look(browser, rendered / name, width, screenshot=shot)
    assert found["inner"] == width
    assert found["scroll"] <= width, f"{name} is {found['scroll']} px wide in a {width} px viewport"
    assert [s["id"] for s in found["stories"]] == ["story-s-baghdad", "story-s-antwerp", "story-s-wheat"]
    for story in found["stories"]:
        assert story["shown"] and story["width"] > width / 2 and story["height"] > 0
        assert story["left"] >= 0 and story["right"] <= width and story["headline"] > 0
    if shot is not None:
        assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_dark_mode_darkens_the_email(browser, rendered):
    light = look(browser, rendered / "digest.html", 375)
    dark = look(
        browser, rendered / "digest.html", 375, dark=True, screenshot=SCREENSHOTS / "digest-375-dark.png"
    )
    assert light["background"] == "rgb(255, 255, 255)"
    assert dark["background"] == "rgb(28, 29, 32)"
    assert dark["scroll"] <= 375
