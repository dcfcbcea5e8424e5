"""The README's screenshots: the top of a real digest in headless Chromium (`make run`'s, and one with models),
and the approval step of an on-demand run in the Airflow UI.

    .venv/bin/python scripts/readme_screenshots.py out/2026-11-24/digest.html docs/screenshots/degraded-600.png
    .venv/bin/python scripts/readme_screenshots.py --tiny-models docs/screenshots/tiny-models-600.png
    .venv/bin/python scripts/readme_screenshots.py --approval-step docs/screenshots/approval-step.png

`--tiny-models` runs the seeds through the test suite's tiny models (randomly initialised, so their
English is nonsense: they show the layout of a digest with models, not its quality).

`--approval-step` starts a local Airflow with scripts/airflow.sh (its home in a temporary folder, on a free
port), configured with one briefing, `middle_east`, to three recipients and `approval.on_demand_recipient_limit
= 2`; triggers `briefing_on_demand` with `{"briefing": "middle_east"}` and two Iraq seeds (run id
`breaking-news`, no models: a degraded digest), waits until its `approve` step awaits input, screenshots that
step's page, and stops Airflow. The run's outputs go to `out/screenshot/` in the project, so the page path on
the picture is relative.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
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


APPROVAL_CONFIG = """\
out = "{out}"
articles_schedule = "0 0 29 2 *"

[approval]
on_demand_recipient_limit = 2

[[briefings]]
name = "middle_east"
schedule = "0 0 29 2 *"
title = "Middle East"
topics = {{iraq = ["Iraq", "Irak", "Bagdad", "Baghdad"]}}
recipients = ["me-desk@example.org", "chief@example.org", "night-editor@example.org"]
"""
APPROVAL_INPUTS = ["seeds/001_bagdad-roquettes-zone-verte.txt", "seeds/002_bagdad-raketen-gruene-zone.html"]


def _wait(what: str, check, timeout: float = 900):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if found := check():
                return found
        except urllib.error.HTTPError as exc:
            if exc.code != 404:
                raise
        time.sleep(3)
    raise SystemExit(f"{what}: not within {timeout:.0f} s")


def approval_step(folder: Path, png: Path, width: int, height: int) -> None:
    """A local Airflow, an on-demand run that needs approval, and its approve step awaiting input in the UI."""
    from tests.test_browser import Chromium
    from tests.test_live_airflow import Api, _free_port

    out = PROJECT / "out" / "screenshot"
    shutil.rmtree(out, ignore_errors=True)  # a fresh run, not yesterday's approval
    config = folder / "briefing.toml"
    config.write_text(APPROVAL_CONFIG.format(out=out))
    port = _free_port()
    env = {**os.environ, "AIRFLOW_HOME": str(folder / "airflow"), "AIRFLOW_PORT": str(port)}
    env.update(BRIEFING_CONFIG=str(config), AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL="5")
    script = PROJECT / "scripts" / "airflow.sh"
    try:
        subprocess.run([str(script), "start"], env=env, check=True, timeout=300)
        password = json.loads(
            (folder / "airflow" / "simple_auth_manager_passwords.json.generated").read_text()
        )
        base = f"http://127.0.0.1:{port}"
        api = Api(base, password["admin"])
        _wait("briefing_on_demand parsed", lambda: api.get("/api/v2/dags/briefing_on_demand"), 180)
        conf = {"briefing": "middle_east", "inputs": APPROVAL_INPUTS}
        run = {"dag_run_id": "breaking-news", "logical_date": None, "conf": conf}
        api.post("/api/v2/dags/briefing_on_demand/dagRuns", run)
        page = f"{base}/dags/briefing_on_demand/runs/breaking-news/tasks/approve/required_actions"
        task = "/api/v2/dags/briefing_on_demand/dagRuns/breaking-news/taskInstances/approve"
        _wait("approve awaiting input", lambda: api.get(task)["state"] == "awaiting_input")
        browser = Chromium()
        try:
            browser.open()
            browser.call("Network.enable")
            browser.call("Network.setCookie", name="_token", value=api.token, url=base)
            browser.call(
                "Emulation.setDeviceMetricsOverride",
                width=width,
                height=height,
                deviceScaleFactor=1,
                mobile=False,
            )
            browser.navigate(page)
            _wait(
                "the approval form",
                lambda: browser.call(
                    "Runtime.evaluate",
                    expression="document.body.innerText.includes('Approval needed')",
                    returnByValue=True,
                )["result"]["value"],
                60,
            )
            time.sleep(2)  # let the grid and the Markdown settle
            data = browser.call("Page.captureScreenshot", format="png")
            png.parent.mkdir(parents=True, exist_ok=True)
            png.write_bytes(base64.b64decode(data["data"]))
        finally:
            browser.close()
    finally:
        subprocess.run([str(script), "stop"], env=env, timeout=120)


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
    parser.add_argument(
        "--approval-step", action="store_true", help="the approval step of an on-demand run in the Airflow UI"
    )
    args = parser.parse_args()
    if args.approval_step:
        with tempfile.TemporaryDirectory() as folder:
            approval_step(Path(folder), args.png, 1400, 1000)
        print(args.png)
        return
    with tempfile.TemporaryDirectory() as folder:
        page = tiny_model_digest(Path(folder), args.date) if args.tiny_models else args.digest
        if page is None:
            parser.error("give a digest.html, or --tiny-models")
        screenshot(page, args.png, args.width, args.height, args.dark)
    print(args.png)


if __name__ == "__main__":
    main()
