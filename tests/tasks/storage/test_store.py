import pytest

from tasks.article import Article, to_dict
from tasks.storage.store import RunStore, Store


def test_write_is_atomic_and_leaves_no_temporary_files(tmp_path):
    store = Store(str(tmp_path))
    store.write_json("runs/r/x.json", {"a": 1})
    store.write_json("runs/r/x.json", {"a": 2})
    assert store.read_json("runs/r/x.json") == {"a": 2}
    assert [p.name for p in (tmp_path / "runs" / "r").iterdir()] == ["x.json"]


def test_failed_write_keeps_the_previous_version(tmp_path, monkeypatch):
    store = Store(str(tmp_path))
    store.write_text("k/v.txt", "old")

    def broken_replace(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr("os.replace", broken_replace)
    with pytest.raises(OSError):
        store.write_text("k/v.txt", "new")
    monkeypatch.undo()
    assert store.read_text("k/v.txt") == "old"
    assert store.keys("k") == ["k/v.txt"]


@pytest.mark.parametrize("key", ["../escape", "a/../../b", "", "/"])
def test_keys_cannot_leave_the_root(tmp_path, key):
    with pytest.raises(ValueError):
        Store(str(tmp_path)).write_text(key, "x")


def test_run_store_works_on_an_fsspec_memory_filesystem():
    runs = RunStore(Store("memory://briefing-test-store"), "2026-11-24")
    article = Article(id="abc", source="s", format="txt", title="T", body="B")
    runs.shards("ingest").write(0, [to_dict(article)])
    assert runs.shards("ingest").done(0)
    assert list(runs.articles("ingest")) == [article]
    assert runs.article_ids("ingest") == ["abc"]
    assert not runs.shards("detect").done(0)


@pytest.mark.parametrize("key", ["", "a/b", ".."])
def test_run_keys_are_single_path_segments(tmp_path, key):
    with pytest.raises(ValueError):
        RunStore(Store(str(tmp_path)), key)
