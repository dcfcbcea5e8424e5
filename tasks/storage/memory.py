"""Translation memory: finished sentence translations kept in the store, keyed by model, decoding and source."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from tasks.storage.store import Store

PREFIX = "translation-memory/v1"


def digest(*parts: str) -> str:
    """A hex digest of the parts, unambiguous however they are cut."""
    return hashlib.sha256(json.dumps(parts, ensure_ascii=False).encode("utf-8")).hexdigest()


class TranslationMemory:
    """(namespace, source sentence) -> entry, one atomic blob per sentence, safe for concurrent writers.

    A namespace stands for everything besides the sentence that decides its translation: the model's
    files, the backend and quantisation, the decoding options (see `namespace`).
    """

    def __init__(self, store: Store) -> None:
        self.store = store

    @staticmethod
    def namespace(**identity: Any) -> str:
        """The namespace of a model, backend and decoding options."""
        return digest(json.dumps(identity, sort_keys=True, ensure_ascii=False))[:24]

    def _key(self, namespace: str, source: str) -> str:
        h = digest(source)[:40]
        return f"{PREFIX}/{namespace}/{h[:2]}/{h}.json"

    def get(self, namespace: str, sources: list[str]) -> dict[str, dict[str, Any]]:
        """The stored entries of those sources that have one."""
        found: dict[str, dict[str, Any]] = {}
        for source in dict.fromkeys(sources):
            try:
                entry = self.store.read_json(self._key(namespace, source))
            except (FileNotFoundError, ValueError):  # absent, or not ours: translate again
                continue
            if isinstance(entry, dict) and entry.get("source") == source:
                found[source] = entry
        return found

    def put(self, namespace: str, entries: dict[str, dict[str, Any]]) -> None:
        """Store one entry per source sentence (each written atomically; the last writer wins)."""
        for source, entry in entries.items():
            self.store.write_json(self._key(namespace, source), {**entry, "source": source})


def _signature(directory: Path) -> list[list[Any]]:
    stats = []
    for path in sorted(p for p in directory.iterdir() if p.is_file()):
        st = path.stat()
        stats.append([path.name, st.st_size, st.st_mtime_ns])
    return stats


_fingerprints: dict[str, tuple[list[list[Any]], str]] = {}


def model_fingerprint(directory: Path, store: Store | None = None) -> str:
    """`tasks.models.loading.fingerprint` of a model directory, hashed again only when a file's size or time changed.

    Hashing a real model's weights takes a second or more; a rerun or a retry should not pay it again.
    """
    from tasks.models.loading import fingerprint

    directory = Path(directory).resolve()
    signature = _signature(directory)
    cached = _fingerprints.get(str(directory))
    if cached and cached[0] == signature:
        return cached[1]
    key = f"{PREFIX}/fingerprints/{digest(str(directory))[:32]}.json"
    value = None
    if store is not None:
        try:
            saved = store.read_json(key)
            if saved.get("signature") == signature:
                value = saved["fingerprint"]
        except (FileNotFoundError, ValueError, KeyError, AttributeError):
            pass
    if value is None:
        value = fingerprint(directory)
        if store is not None:
            store.write_json(key, {"signature": signature, "fingerprint": value})
    _fingerprints[str(directory)] = (signature, value)
    return value
