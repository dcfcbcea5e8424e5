"""Model loading: seq2seq models by hub id or local path, loaded once per process and kept in a small LRU."""

from __future__ import annotations

import os
import socket
import threading
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlparse


class ModelUnavailable(RuntimeError):
    """A model could not be obtained; the message names it and says how to provide it."""

    def __init__(self, model: str, reason: str) -> None:
        self.model = model
        self.reason = reason
        super().__init__(
            f"model {model!r} is unavailable: {reason}. Provide it with `briefing models pull {model}` "
            f"on a machine with Hub access, or pass a local directory (e.g. `--translation-model fr-en=DIR`, "
            f"`--summary-model DIR`); set HF_HUB_OFFLINE=1 to use only the local cache."
        )


@dataclass
class LoadedModel:
    """A tokenizer and model pair, with the name it was asked for."""

    name: str
    tokenizer: Any
    model: Any

    @property
    def revision(self) -> str:
        """The commit hash or local path the weights came from."""
        return getattr(self.model.config, "_commit_hash", None) or self.name


_hub_reachable: bool | None = None


def hub_reachable(timeout: float = 3.0) -> bool:
    """Whether the Hub endpoint accepts a TCP connection (asked once per process)."""
    global _hub_reachable
    if os.environ.get("HF_HUB_OFFLINE", "").lower() in ("1", "true", "yes"):
        return False
    if _hub_reachable is None:
        endpoint = urlparse(os.environ.get("HF_ENDPOINT", "https://huggingface.co"))
        try:
            socket.create_connection((endpoint.hostname, endpoint.port or 443), timeout=timeout).close()
            _hub_reachable = True
        except OSError:
            _hub_reachable = False
    return _hub_reachable


def is_local(name: str) -> bool:
    """Whether `name` is a local model directory rather than a hub id."""
    return Path(name).expanduser().is_dir()


def is_cached(name: str) -> bool:
    """Whether a hub model's config is already in the local Hugging Face cache."""
    from huggingface_hub import try_to_load_from_cache

    return isinstance(try_to_load_from_cache(name, "config.json"), str)


def _load(name: str, probe_timeout: float) -> LoadedModel:
    from transformers import AutoModelForSeq2SeqLM, AutoTokenizer

    local = is_local(name)
    offline = not local and not hub_reachable(probe_timeout)
    if offline and not is_cached(name):
        raise ModelUnavailable(
            name, "not a local directory, not in the Hugging Face cache, and the Hub is unreachable"
        )
    path = str(Path(name).expanduser()) if local else name
    try:
        tokenizer = AutoTokenizer.from_pretrained(path, trust_remote_code=False, local_files_only=offline)
        model = AutoModelForSeq2SeqLM.from_pretrained(path, trust_remote_code=False, local_files_only=offline)
    except Exception as exc:  # weights, tokenizer and config errors come in many types; all mean "unusable"
        raise ModelUnavailable(
            name, f"loading failed ({type(exc).__name__}: {str(exc).splitlines()[0]})"
        ) from exc
    model.eval()
    return LoadedModel(name=name, tokenizer=tokenizer, model=model)


class ModelCache:
    """Loaded models, least recently used evicted first; a failed load is remembered, not retried."""

    def __init__(self, size: int = 3, probe_timeout: float = 3.0) -> None:
        self.size = max(1, size)
        self.probe_timeout = probe_timeout
        self._models: OrderedDict[str, LoadedModel] = OrderedDict()
        self._failures: dict[str, ModelUnavailable] = {}
        self._lock = threading.Lock()

    def get(self, name: str) -> LoadedModel:
        """The loaded model, loading it on first use (raises ModelUnavailable)."""
        with self._lock:
            if name in self._failures:
                raise self._failures[name]
            if name in self._models:
                self._models.move_to_end(name)
                return self._models[name]
            try:
                loaded = _load(name, self.probe_timeout)
            except ModelUnavailable as exc:
                self._failures[name] = exc
                raise
            self._models[name] = loaded
            while len(self._models) > self.size:
                self._models.popitem(last=False)
            return loaded

    def loaded(self) -> list[str]:
        """Names of the models currently in memory, least recently used first."""
        return list(self._models)


_caches: dict[tuple[int, float], ModelCache] = {}


def model_cache(size: int = 3, probe_timeout: float = 3.0) -> ModelCache:
    """The process-wide cache for this size (so mapped tasks in one worker share loaded models)."""
    key = (size, probe_timeout)
    if key not in _caches:
        _caches[key] = ModelCache(size, probe_timeout)
    return _caches[key]


def pull(name: str, revision: str | None = None) -> str:
    """Download a hub model into the local cache and return its directory."""
    from huggingface_hub import snapshot_download

    return snapshot_download(
        name,
        revision=revision,
        allow_patterns=["*.json", "*.safetensors", "*.spm", "*.model", "*.txt", "*.bin"],
    )
