"""The per-run store: records between stages, on local disk or any fsspec filesystem, written atomically."""

from __future__ import annotations

import json
import posixpath
import uuid
from collections.abc import Iterator
from typing import Any

import fsspec
from fsspec.implementations.local import LocalFileSystem

from tasks.article import Article, article_from_dict
from tasks.storage.shards import ShardFolder, decode


class Store:
    """Keyed blobs under one root URL (a local path, `file://`, `memory://`, `s3://` ...).

    Writes go to a temporary key and are renamed into place, so a reader never sees a partial file.
    """

    def __init__(self, root: str) -> None:
        self.fs, path = fsspec.core.url_to_fs(str(root))
        self.root = path.rstrip("/") or "/"
        self.url = str(root)

    def _path(self, key: str) -> str:
        parts = [p for p in key.split("/") if p]
        if not parts or any(p in (".", "..") for p in parts):
            raise ValueError(f"invalid store key: {key!r}")
        return posixpath.join(self.root, *parts)

    def write_bytes(self, key: str, data: bytes) -> None:
        """Write `data` at `key` atomically (write to a temporary name, then rename)."""
        path = self._path(key)
        parent = posixpath.dirname(path)
        self.fs.makedirs(parent, exist_ok=True)
        tmp = f"{parent}/.tmp-{uuid.uuid4().hex}-{posixpath.basename(path)}"
        try:
            with self.fs.open(tmp, "wb") as fh:
                fh.write(data)
            if isinstance(self.fs, LocalFileSystem):
                import os

                os.replace(tmp, path)
            else:
                self.fs.mv(tmp, path)
        except BaseException as exc:
            if self.fs.exists(tmp):
                self.fs.rm(tmp)
            if isinstance(exc, OSError) and exc.errno is not None and exc.filename is None:
                exc.filename = path  # a full disk fails the write without naming the file: say which
            raise

    def read_bytes(self, key: str) -> bytes:
        """The bytes at `key` (FileNotFoundError when absent)."""
        with self.fs.open(self._path(key), "rb") as fh:
            return fh.read()

    def write_text(self, key: str, text: str) -> None:
        """Write UTF-8 text atomically."""
        self.write_bytes(key, text.encode("utf-8"))

    def read_text(self, key: str) -> str:
        """Read UTF-8 text."""
        return self.read_bytes(key).decode("utf-8")

    def write_json(self, key: str, value: Any) -> None:
        """Write a JSON document atomically."""
        self.write_text(key, json.dumps(value, ensure_ascii=False, indent=1, sort_keys=True))

    def read_json(self, key: str) -> Any:
        """Read a JSON document."""
        return json.loads(self.read_text(key))

    def exists(self, key: str) -> bool:
        """Whether a complete blob is stored at `key`."""
        return self.fs.isfile(self._path(key))

    def delete(self, key: str) -> None:
        """Remove `key` if present."""
        path = self._path(key)
        if self.fs.exists(path):
            self.fs.rm(path)

    def keys(self, prefix: str) -> list[str]:
        """Sorted keys directly under `prefix/`, ignoring temporary files."""
        path = self._path(prefix)
        if not self.fs.isdir(path):
            return []
        names = [posixpath.basename(p.rstrip("/")) for p in self.fs.ls(path, detail=False)]
        return sorted(f"{prefix.rstrip('/')}/{n}" for n in names if not n.startswith(".tmp-"))

    def local_path(self, key: str) -> str | None:
        """The filesystem path of `key` when the store is local, else None."""
        return self._path(key) if isinstance(self.fs, LocalFileSystem) else None


class RunStore:
    """The records of one run inside a Store: `runs/<run_key>/<stage>/<shard>.jsonl.gz` and run documents."""

    def __init__(self, store: Store, run_key: str) -> None:
        if not run_key or "/" in run_key or run_key in (".", ".."):
            raise ValueError(f"invalid run key: {run_key!r}")
        self.store = store
        self.run_key = run_key
        self.prefix = f"runs/{run_key}"

    def key(self, *parts: str) -> str:
        """A key inside this run."""
        return "/".join((self.prefix, *parts))

    def shards(self, stage: str) -> ShardFolder:
        """The shard folder of one stage of this run."""
        return ShardFolder(self.store, self.key(stage))

    def articles(self, stage: str) -> Iterator[Article]:
        """Every article the stage has written, shard by shard."""
        for row in self.shards(stage).read_all():
            yield article_from_dict(row)

    def article_ids(self, stage: str) -> list[str]:
        """Ids of every article the stage has written."""
        return [row["id"] for row in self.shards(stage).read_all()]

    def read_records(self, name: str) -> Iterator[dict[str, Any]]:
        """The records of one run-level shard file (e.g. `stories.jsonl.gz`)."""
        yield from decode(self.store.read_bytes(self.key(name)))

    def exists(self, name: str) -> bool:
        """Whether a run document or file is stored."""
        return self.store.exists(self.key(name))

    def put_json(self, name: str, value: Any) -> None:
        """Save a run-level document (ingest report, plan, ...)."""
        self.store.write_json(self.key(name), value)

    def get_json(self, name: str) -> Any:
        """Read a run-level document."""
        return self.store.read_json(self.key(name))
