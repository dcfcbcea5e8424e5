"""Translation memory: finished sentence translations kept in the store, keyed by model, decoding and source."""

from __future__ import annotations

import hashlib
import json
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tasks.storage.shards import SUFFIX, decode, encode
from tasks.storage.store import Store

if TYPE_CHECKING:
    from tasks.config import Config

PREFIX = "translation-memory/v2"


def digest(*parts: str) -> str:
    """A hex digest of the parts, unambiguous however they are cut."""
    return hashlib.sha256(json.dumps(parts, ensure_ascii=False).encode("utf-8")).hexdigest()


class TranslationMemory:
    """(namespace, source sentence) -> entry, kept as shards: one lookup and one write per batch and language.

    Each `put` writes one new shard of entries (atomically, under a name of its own, so concurrent writers never
    clash); a `get` reads only the shards this process has not read yet. A namespace stands for everything
    besides the sentence that decides its translation: the model's files, the backend and quantisation, the
    decoding options (see `namespace`).
    """

    def __init__(self, store: Store) -> None:
        self.store = store
        self._entries: dict[str, dict[str, dict[str, Any]]] = {}
        self._read: dict[str, set[str]] = {}

    @staticmethod
    def namespace(**identity: Any) -> str:
        """The namespace of a model, backend and decoding options."""
        return digest(json.dumps(identity, sort_keys=True, ensure_ascii=False))[:24]

    def _refresh(self, namespace: str) -> dict[str, dict[str, Any]]:
        entries = self._entries.setdefault(namespace, {})
        read = self._read.setdefault(namespace, set())
        for key in self.store.keys(f"{PREFIX}/{namespace}"):
            if key in read or not key.endswith(SUFFIX):
                continue
            read.add(key)
            try:
                rows = list(decode(self.store.read_bytes(key)))
            except (OSError, ValueError, EOFError):  # a broken shard is a miss: translate again
                continue
            for row in rows:
                if isinstance(row, dict) and isinstance(row.get("source"), str):
                    entries[row["source"]] = row
        return entries

    def get(self, namespace: str, sources: list[str]) -> dict[str, dict[str, Any]]:
        """The stored entries of those sources that have one."""
        entries = self._refresh(namespace)
        return {s: entries[s] for s in dict.fromkeys(sources) if s in entries}

    def put(self, namespace: str, entries: dict[str, dict[str, Any]]) -> None:
        """Store the entries as one new shard of this namespace."""
        if not entries:
            return
        rows = [{**entry, "source": source} for source, entry in entries.items()]
        key = f"{PREFIX}/{namespace}/{uuid.uuid4().hex}{SUFFIX}"
        self.store.write_bytes(key, encode(rows))
        self._read.setdefault(namespace, set()).add(key)
        self._entries.setdefault(namespace, {}).update((row["source"], row) for row in rows)


def memory_for(config: Config, store: Store) -> TranslationMemory | None:
    """The translation memory a run hands to the translate stage (None when switched off)."""
    return TranslationMemory(store) if config.translate.memory else None


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
