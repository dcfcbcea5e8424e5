import json
import multiprocessing
import shutil

import pytest

from tasks.storage import memory as memory_module
from tasks.storage.memory import TranslationMemory, model_fingerprint
from tasks.storage.store import Store


def test_entries_round_trip_per_namespace(tmp_path):
    memory = TranslationMemory(Store(str(tmp_path)))
    one = TranslationMemory.namespace(model="a", beams=4)
    other = TranslationMemory.namespace(model="a", beams=2)
    assert one != other and one == TranslationMemory.namespace(beams=4, model="a")
    memory.put(one, {"Bonjour.": {"target": "Hello.", "problem": None}})
    assert memory.get(one, ["Bonjour.", "Salut."]) == {
        "Bonjour.": {"target": "Hello.", "problem": None, "source": "Bonjour."}
    }
    assert memory.get(other, ["Bonjour."]) == {}


def test_a_broken_shard_is_a_miss_and_one_put_writes_one_file(tmp_path):
    store = Store(str(tmp_path))
    namespace = TranslationMemory.namespace(model="a")
    TranslationMemory(store).put(namespace, {"Un.": {"target": "One."}, "Deux.": {"target": "Two."}})
    (shard,) = (tmp_path / "translation-memory" / "v2" / namespace).iterdir()
    assert TranslationMemory(store).get(namespace, ["Un.", "Deux."])["Deux."]["target"] == "Two."
    shard.write_bytes(b"not gzip")
    assert TranslationMemory(store).get(namespace, ["Un.", "Deux."]) == {}


def test_a_new_process_sees_what_another_wrote_since(tmp_path):
    reader, writer = TranslationMemory(Store(str(tmp_path))), TranslationMemory(Store(str(tmp_path)))
    assert reader.get("ns", ["Un."]) == {}
    writer.put("ns", {"Un.": {"target": "One."}})
    assert reader.get("ns", ["Un."])["Un."]["target"] == "One."


def _writer(root: str, worker: int) -> None:
    memory = TranslationMemory(Store(root))
    for i in range(30):
        memory.put("ns", {f"Phrase {i}.": {"target": f"Sentence {i} by {worker}."}})


def test_concurrent_writers_leave_whole_entries(tmp_path):
    context = multiprocessing.get_context("spawn")
    workers = [context.Process(target=_writer, args=(str(tmp_path), w)) for w in range(3)]
    for process in workers:
        process.start()
    for process in workers:
        process.join(60)
        assert process.exitcode == 0
    found = TranslationMemory(Store(str(tmp_path))).get("ns", [f"Phrase {i}." for i in range(30)])
    assert len(found) == 30
    assert all(e["target"].startswith(f"Sentence {i} by ") for i, e in enumerate(found.values()))
    files = list((tmp_path / "translation-memory").rglob("*"))
    assert not [f for f in files if f.name.startswith(".tmp-")]


def test_model_fingerprint_follows_the_files_and_is_hashed_once(tmp_path, tiny_marian, monkeypatch):
    model = tmp_path / "model"
    shutil.copytree(tiny_marian, model)
    store = Store(str(tmp_path / "store"))
    first = model_fingerprint(model, store)
    memory_module._fingerprints.clear()  # a new process: only the store remembers

    def no_hashing(directory):
        raise AssertionError("hashed again")

    monkeypatch.setattr("tasks.models.loading.fingerprint", no_hashing)
    assert model_fingerprint(model, store) == first
    monkeypatch.undo()
    config = json.loads((model / "config.json").read_text())
    config["dropout"] = 0.25
    (model / "config.json").write_text(json.dumps(config))
    changed = model_fingerprint(model, store)
    assert changed != first
    with pytest.raises(AssertionError):
        monkeypatch.setattr("tasks.models.loading.fingerprint", no_hashing)
        memory_module._fingerprints.clear()
        (model / "config.json").write_text(json.dumps({**config, "dropout": 0.5}))
        model_fingerprint(model, store)
