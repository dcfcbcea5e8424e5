import gzip

import pytest

from tasks.storage.shards import ShardFolder, decode, encode
from tasks.storage.store import Store


def test_shards_round_trip_in_order_and_compressed(tmp_path):
    folder = ShardFolder(Store(str(tmp_path)), "runs/x/detect")
    rows = [{"id": str(i), "body": "é" * i} for i in range(5)]
    assert folder.write(3, rows[2:]) == 3
    assert folder.write(1, rows[:2]) == 2
    assert folder.indices() == [1, 3]
    assert list(folder.read_all()) == rows
    raw = (tmp_path / "runs" / "x" / "detect" / "00001.jsonl.gz").read_bytes()
    assert gzip.decompress(raw).decode().count("\n") == 2


def test_a_shard_exists_only_whole(tmp_path):
    store = Store(str(tmp_path))
    folder = ShardFolder(store, "s")

    def broken(records):
        yield {"id": "1"}
        raise RuntimeError("killed mid-shard")

    with pytest.raises(RuntimeError):
        folder.write(0, broken(None))
    assert not folder.done(0) and folder.indices() == []
    assert not list(tmp_path.rglob("*.jsonl.gz")) and not list(tmp_path.rglob(".tmp-*"))


def test_encoding_is_stable_for_the_same_records():
    rows = [{"b": 1, "a": "x"}]
    assert encode(rows) == encode([{"a": "x", "b": 1}])
    assert list(decode(encode(rows))) == rows


def test_shards_work_on_an_fsspec_memory_filesystem():
    folder = ShardFolder(Store("memory://briefing-test-shards"), "runs/r/ingest")
    folder.write(0, [{"id": "a"}])
    assert folder.done(0) and list(folder.read(0)) == [{"id": "a"}]
    with pytest.raises(FileNotFoundError):
        list(folder.read(1))
