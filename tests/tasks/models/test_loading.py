import pytest

from tasks.models.loading import ModelCache, ModelUnavailable, is_local


def test_local_directory_loads_through_the_auto_classes(tiny_marian):
    cache = ModelCache(size=2)
    loaded = cache.get(str(tiny_marian))
    assert type(loaded.model).__name__ == "MarianMTModel"
    assert not loaded.model.training
    assert cache.get(str(tiny_marian)) is loaded  # loaded once per process


def test_least_recently_used_model_is_evicted(tiny_marian, tiny_bart):
    cache = ModelCache(size=1)
    cache.get(str(tiny_marian))
    cache.get(str(tiny_bart))
    assert cache.loaded() == [str(tiny_bart)]


def test_unavailable_hub_model_names_itself_and_how_to_provide_it():
    cache = ModelCache()
    with pytest.raises(ModelUnavailable) as err:
        cache.get("Helsinki-NLP/opus-mt-xx-en")
    message = str(err.value)
    assert "Helsinki-NLP/opus-mt-xx-en" in message
    assert "briefing models pull" in message and "HF_HUB_OFFLINE" in message
    with pytest.raises(ModelUnavailable):  # remembered: no second attempt, no retry storm
        cache.get("Helsinki-NLP/opus-mt-xx-en")


def test_corrupt_model_directory_is_a_clear_error(tmp_path, tiny_marian):
    broken = tmp_path / "broken"
    broken.mkdir()
    for item in tiny_marian.iterdir():
        (broken / item.name).write_bytes(item.read_bytes())
    (broken / "model.safetensors").write_bytes(b"truncated")
    assert is_local(str(broken))
    with pytest.raises(ModelUnavailable, match="broken"):
        ModelCache().get(str(broken))


def test_missing_local_directory_is_named_not_sent_to_the_hub(tmp_path):
    with pytest.raises(ModelUnavailable, match="no such model directory"):
        ModelCache().get(str(tmp_path / "opus-mt-fr-en"))
