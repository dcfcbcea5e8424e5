"""Shared fixtures: tiny real-architecture models built once per session, and an isolated Airflow home."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

# Set before anything imports airflow or transformers: tests never touch the network or the user's home.
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ["AIRFLOW_HOME"] = tempfile.mkdtemp(prefix="briefing-airflow-")
os.environ["AIRFLOW__CORE__DAGS_FOLDER"] = str(Path(__file__).resolve().parent.parent / "dags")
os.environ["AIRFLOW__CORE__LOAD_EXAMPLES"] = "False"

import pytest

from tasks.config import PROJECT_ROOT, Config, load_config

SEEDS = PROJECT_ROOT / "seeds"
EXAMPLES = Path(__file__).resolve().parent / "data" / "examples"


def seed_corpus() -> list[str]:
    """Sentences of the seed articles: the training text of the tiny tokenizers."""
    from tasks.stages.ingest import ingest

    lines: list[str] = []
    for article in ingest([SEEDS]).articles:
        lines.append(article.title)
        lines.extend(p for p in article.body.split("\n\n"))
    return lines


@pytest.fixture(scope="session")
def corpus() -> list[str]:
    return seed_corpus()


@pytest.fixture(scope="session")
def tiny_marian(tmp_path_factory: pytest.TempPathFactory, corpus: list[str]) -> Path:
    """A MarianMT model of the opus-mt architecture, tiny, with a SentencePiece vocabulary trained here."""
    from tests.support.model_factory import build_marian

    return build_marian(tmp_path_factory.mktemp("opus-mt-tiny"), corpus)


@pytest.fixture(scope="session")
def tiny_bart(tmp_path_factory: pytest.TempPathFactory, corpus: list[str]) -> Path:
    """A BART model of the distilbart architecture, tiny, with a byte-level BPE trained here."""
    from tests.support.model_factory import build_bart

    return build_bart(tmp_path_factory.mktemp("bart-tiny"), corpus)


@pytest.fixture
def tiny_config(tmp_path: Path, tiny_marian: Path, tiny_bart: Path) -> Config:
    """A config that runs the seeds through the tiny models into a temporary folder."""
    languages = ["fr", "de", "es", "it", "ru", "ar"]
    return load_config(
        overrides={
            "input": [str(SEEDS)],
            "out": str(tmp_path / "out"),
            "translate": {"models": {lang: str(tiny_marian) for lang in languages}, "num_beams": 2},
            "summarise": {"model": str(tiny_bart), "num_beams": 2, "min_new_tokens": 4, "max_new_tokens": 24},
        }
    )
