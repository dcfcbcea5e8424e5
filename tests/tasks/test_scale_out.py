"""Nothing writes around the store: the run on fsspec's memory filesystem leaves only its outputs on disk."""

import json
import uuid

import fsspec
import pytest

from tasks.config import load_config
from tasks.pipeline import open_run, run_all, run_deliver
from tests.conftest import SEEDS

pytestmark = pytest.mark.slow


def _files(root):
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def test_the_run_store_and_ledger_on_a_memory_filesystem(tmp_path, tiny_marian, tiny_bart):
    store = f"memory://briefing-{uuid.uuid4().hex}"
    config = load_config(
        overrides={
            "input": [
                str(SEEDS / "001_bagdad-roquettes-zone-verte.txt"),
                str(SEEDS / "000_b6da39b3cbc11f7e.txt"),
            ],
            "out": str(tmp_path / "out"),
            "store": store,
            "translate": {"models": {"fr": str(tiny_marian)}},
            "summarise": {"model": str(tiny_bart), "num_beams": 1, "min_new_tokens": 2, "max_new_tokens": 8},
        }
    )
    run = open_run(config, "2026-11-24")
    run_all(run)
    assert [o["status"] for o in run_deliver(run)] == ["sent"]
    assert [o["status"] for o in run_deliver(run)] == ["skipped"]  # the ledger lives in the memory store
    fs = fsspec.filesystem("memory")
    stored = fs.find(store.removeprefix("memory://"))
    assert any("/runs/2026-11-24/translate/" in p for p in stored)
    assert any("/deliveries/2026-11-24/" in p for p in stored)
    assert _files(tmp_path) == sorted(
        [
            *(f"out/2026-11-24/{n}" for n in ("config.json", "deliveries.json", "digest.html", "digest.txt")),
            *(f"out/2026-11-24/{n}" for n in ("manifest.json", "page.html", "report.txt")),
            "out/outbox/2026-11-24/analyst@example.com.eml",
        ]
    )


def test_outputs_can_live_on_another_filesystem_too(tmp_path, tiny_marian, tiny_bart):
    out = f"memory://digests-{uuid.uuid4().hex}"
    config = load_config(
        overrides={
            "input": [str(SEEDS / "000_b6da39b3cbc11f7e.txt")],
            "out": out,
            "store": f"memory://store-{uuid.uuid4().hex}",
            "summarise": {"model": str(tiny_bart), "num_beams": 1, "min_new_tokens": 2, "max_new_tokens": 8},
        }
    )
    run = open_run(config, "2026-11-24")
    paths = run_all(run)
    assert paths["digest.html"] == f"{out}/2026-11-24/digest.html"
    manifest = json.loads(run.read_output("manifest.json"))
    assert [e["status"] for e in manifest["inputs"]] == ["included"]
    assert list(tmp_path.iterdir()) == []
