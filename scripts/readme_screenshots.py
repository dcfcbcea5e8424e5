"""The README's screenshots: the top of a real digest in headless Chromium (`make run`'s, and one with models).

    .venv/bin/python scripts/readme_screenshots.py out/2026-11-24/digest.html docs/screenshots/degraded-600.png
    .venv/bin/python scripts/readme_screenshots.py --tiny-models docs/screenshots/tiny-models-600.png

`--tiny-models` runs the seeds through the test suite's tiny models (randomly initialised, so their
English is nonsense: they show the layout of a digest with models, not its quality).
"""

from __future__ import annotations

import argparse
import base64
import subprocess
import sys
import tempfile
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))


def tiny_model_digest(folder: Path, date: str) -> Path:
    """Run the seeds through the tiny test models with the `briefing` command; returns the digest."""
    from tests.conftest import SEEDS, seed_corpus
    from tests.support.model_factory import build_bart, build_marian

    corpus = seed_corpus()
    marian = build_marian(folder / "opus-mt-tiny", corpus)
    bart = build_bart(folder / "bart-tiny", corpus)
    langs = ("fr", "de", "es", "it", "ru", "ar")
    models = [arg for lang in langs for arg in ("--translation-model", f"{lang}-en={marian}")]
    subprocess.run(
        [sys.executable, "-m", "tasks.cli", "run", "--input", str(SEEDS), "--out", str(folder / "out"),
         "--date", date, "--deliver", "none", "--summary-model", str(bart), *models],
        check=True,
        cwd=PROJECT,
    )  # fmt: skip
    return folder / "out" / date / "digest.html"


def screenshot(page: Path, png: Path, width: int, height: int, dark: bool) -> None:
    """The top `height` px of `page` at a `width` px viewport."""
    from tests.test_browser import Chromium, look

    browser = Chromium()
    try:
        browser.open()
        found = look(browser, page.resolve(), width, dark=dark)
        clip = {"x": 0, "y": 0, "width": width, "height": min(height, found["height"]), "scale": 1}
        data = browser.call("Page.captureScreenshot", format="png", clip=clip, captureBeyondViewport=True)
        png.parent.mkdir(parents=True, exist_ok=True)
        png.write_bytes(base64.b64decode(data["data"]))
    finally:
        browser.close()


def main() -> None:
    """Parse the arguments and take the screenshot."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("digest", nargs="?", type=Path, help="digest.html to show")
    parser.add_argument("png", type=Path)
    parser.add_argument("--tiny-models", action="store_true", help="make the digest with the tiny models")
    parser.add_argument("--date", default="2026-11-24")
    parser.add_argument("--width", type=int, default=600)
    parser.add_argument("--height", type=int, default=1500)
    parser.add_argument("--dark", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        page = tiny_model_digest(Path(folder), args.date) if args.tiny_models else args.digest
        if page is None:
            parser.error("give a digest.html, or --tiny-models")
        screenshot(page, args.png, args.width, args.height, args.dark)
    print(args.png)


if __name__ == "__main__":
    main()
