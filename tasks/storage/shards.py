"""Records in shards: one gzip-compressed JSON-lines file per shard, written atomically through a Store.

A shard file only ever exists whole (it is written to a temporary name and renamed), so its presence is the
completion marker: a rerun skips every shard that is already there.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tasks.storage.store import Store

SUFFIX = ".jsonl.gz"


def shard_name(index: int) -> str:
    """The file name of shard `index` (sorted names keep shard order)."""
    return f"{index:05d}{SUFFIX}"


def encode(records: Iterable[dict[str, Any]]) -> bytes:
    """Records as gzip-compressed JSON lines (a fixed mtime keeps the bytes stable across reruns)."""
    lines = "".join(json.dumps(r, ensure_ascii=False, sort_keys=True) + "\n" for r in records)
    return gzip.compress(lines.encode("utf-8"), compresslevel=5, mtime=0)


def decode(data: bytes) -> Iterator[dict[str, Any]]:
    """The records of a shard's bytes, in order."""
    for line in gzip.decompress(data).decode("utf-8").splitlines():
        if line:
            yield json.loads(line)


class ShardFolder:
    """A folder of numbered shards inside a Store: `<prefix>/00000.jsonl.gz`, `<prefix>/00001.jsonl.gz` ..."""

    def __init__(self, store: Store, prefix: str) -> None:
        self.store = store
        self.prefix = prefix.rstrip("/")

    def key(self, index: int) -> str:
        """The store key of shard `index`."""
        return f"{self.prefix}/{shard_name(index)}"

    def write(self, index: int, records: Iterable[dict[str, Any]]) -> int:
        """Write shard `index` atomically; returns the number of records written."""
        rows = list(records)
        self.store.write_bytes(self.key(index), encode(rows))
        return len(rows)

    def read(self, index: int) -> Iterator[dict[str, Any]]:
        """The records of shard `index` (FileNotFoundError when it was never finished)."""
        yield from decode(self.store.read_bytes(self.key(index)))

    def done(self, index: int) -> bool:
        """Whether shard `index` was written completely."""
        return self.store.exists(self.key(index))

    def indices(self) -> list[int]:
        """The indices of the finished shards, in order."""
        names = (key.rsplit("/", 1)[1] for key in self.store.keys(self.prefix))
        return sorted(int(n.removesuffix(SUFFIX)) for n in names if n.endswith(SUFFIX) and n[:5].isdigit())

    def read_all(self) -> Iterator[dict[str, Any]]:
        """Every record of every finished shard, shard by shard."""
        for index in self.indices():
            yield from self.read(index)
