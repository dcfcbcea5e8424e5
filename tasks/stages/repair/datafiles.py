"""Reading the data files of the repair rules (`data/`: tables, patterns, word lists), each once per process."""

from __future__ import annotations

import csv
import tomllib
from functools import cache
from pathlib import Path
from typing import Any

DATA_DIR = Path(__file__).parent / "data"


@cache
def load_toml(name: str) -> dict[str, Any]:
    """A TOML file of `data/`."""
    with (DATA_DIR / name).open("rb") as fh:
        return tomllib.load(fh)


@cache
def load_tsv(name: str) -> tuple[dict[str, str], ...]:
    """The rows of a tab-separated file of `data/` with a header line; `#` lines are comments."""
    with (DATA_DIR / name).open(encoding="utf-8", newline="") as fh:
        lines = [line for line in fh if line.strip() and not line.startswith("#")]
    return tuple(csv.DictReader(lines, delimiter="\t", quoting=csv.QUOTE_NONE))
