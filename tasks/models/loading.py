"""Model loading: seq2seq models by hub id or local path, loaded once per process and kept in a small LRU."""

from __future__ import annotations

import hashlib
import os
import shutil
import socket
import tempfile
import threading
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

# transformers prints a progress bar per model load; a batch job's log does not need them.
os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")


class ModelUnavailable(RuntimeError):
    """A model could not be obtained; the message names it and says how to provide it."""

    def __init__(self, model: str, reason: str) -> None:
        self.model = model
        self.reason = reason
        super().__init__(self.explain("`--translation-model fr-en=DIR`, `--summary-model DIR`"))

    def explain(self, local_option: str) -> str:
        """The message, naming the option by which the command at hand takes a local model directory."""
        return (
            f"model {self.model!r} is unavailable: {self.reason}. Provide it with `briefing models pull "
            f"{self.model}` on a machine with Hub access, or pass a local directory (e.g. {local_option}); "
            f"set HF_HUB_OFFLINE=1 to use only the local cache."
        )


@dataclass
class LoadedModel:
    """A tokenizer and model (a transformers model or a CTranslate2 translator), with where they came from."""

    name: str
    tokenizer: Any
    model: Any
    backend: str = "transformers"
    path: Path | None = None

    @property
    def revision(self) -> str:
        """The snapshot or local directory the weights came from."""
        return str(self.path or self.name)


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


def looks_like_path(name: str) -> bool:
    """Whether `name` is meant as a filesystem path (hub ids are `name` or `owner/name`)."""
    return (
        name.startswith(("/", "./", "../", "~")) or name.count("/") > 1 or (os.sep != "/" and os.sep in name)
    )


def is_cached(name: str) -> bool:
    """Whether a hub model's config is already in the local Hugging Face cache."""
    from huggingface_hub import try_to_load_from_cache

    if looks_like_path(name):
        return False
    return isinstance(try_to_load_from_cache(name, "config.json"), str)


def model_dir(name: str, probe_timeout: float = 3.0) -> Path:
    """The local directory holding a model: the path itself, or its snapshot in the Hugging Face cache."""
    if is_local(name):
        return Path(name).expanduser().resolve()
    if looks_like_path(name):
        raise ModelUnavailable(name, "no such model directory")
    offline = not hub_reachable(probe_timeout)
    if offline and not is_cached(name):
        raise ModelUnavailable(
            name, "not a local directory, not in the Hugging Face cache, and the Hub is unreachable"
        )
    try:
        return Path(pull(name, local_files_only=offline))
    except Exception as exc:  # hub errors come in many types; all mean "not obtainable now"
        raise ModelUnavailable(name, f"download failed ({type(exc).__name__}: {_first_line(exc)})") from exc


def _first_line(exc: BaseException) -> str:
    return (str(exc).splitlines() or [""])[0]


def fingerprint(directory: Path) -> str:
    """A hash of a model directory's files (names and contents), so a changed model is noticed."""
    digest = hashlib.sha256()
    for path in sorted(p for p in directory.iterdir() if p.is_file()):
        digest.update(path.name.encode() + b"\0")
        with path.open("rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()[:16]


def ct2_dir(source: Path, quantization: str = "int8") -> Path:
    """The CTranslate2 conversion of a transformers model directory, converted once and cached beside it.

    The cache key is the source files' fingerprint and the quantisation, so a changed model is reconverted.
    """
    from ctranslate2.converters import TransformersConverter

    class _Converter(TransformersConverter):
        def load_model(self, model_class, model_name_or_path, **kwargs):
            model = super().load_model(model_class, model_name_or_path, **kwargs)
            # BART is post-norm; transformers 5 configs no longer carry the field the converter reads.
            if not hasattr(model.config, "normalize_before"):
                model.config.normalize_before = False
            return model

    cache_root = source.parent / f".{source.name}.ct2" if os.access(source.parent, os.W_OK) else _user_cache()
    from tasks.storage.memory import model_fingerprint  # cached per process: the memory keys on the same hash

    target = cache_root / f"{model_fingerprint(source)}-{quantization}"
    if (target / "model.bin").is_file():
        return target
    cache_root.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".converting-", dir=cache_root))
    try:
        _Converter(str(source)).convert(str(staging / "model"), quantization=quantization, force=True)
        try:
            (staging / "model").rename(target)
        except OSError:
            if not (target / "model.bin").is_file():  # another process finished first: use theirs
                raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target


def _user_cache() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "briefing" / "ct2"


def _load(
    name: str, probe_timeout: float, backend: str, quantization: str, threads: int, inter_threads: int = 1
) -> LoadedModel:
    from transformers import AutoTokenizer

    path = model_dir(name, probe_timeout)
    try:
        tokenizer = AutoTokenizer.from_pretrained(str(path), trust_remote_code=False, local_files_only=True)
        if backend == "ctranslate2":
            import ctranslate2

            model = ctranslate2.Translator(
                str(ct2_dir(path, quantization)),
                device="cpu",
                compute_type=quantization,
                intra_threads=threads,
                inter_threads=inter_threads,
            )
        else:
            from transformers import AutoModelForSeq2SeqLM

            model = AutoModelForSeq2SeqLM.from_pretrained(
                str(path), trust_remote_code=False, local_files_only=True
            )
            model.eval()
    except Exception as exc:  # weights, tokenizer and config errors come in many types; all mean "unusable"
        raise ModelUnavailable(name, f"loading failed ({type(exc).__name__}: {_first_line(exc)})") from exc
    return LoadedModel(name=name, tokenizer=tokenizer, model=model, backend=backend, path=path)


class ModelCache:
    """Loaded models, least recently used evicted first; a failed load is remembered, not retried."""

    def __init__(self, size: int = 3, probe_timeout: float = 3.0) -> None:
        self.size = max(1, size)
        self.probe_timeout = probe_timeout
        self._models: OrderedDict[str, LoadedModel] = OrderedDict()
        self._failures: dict[str, ModelUnavailable] = {}
        self._lock = threading.Lock()

    def get(
        self,
        name: str,
        backend: str = "transformers",
        quantization: str = "int8",
        threads: int = 0,
        inter_threads: int = 1,
    ) -> LoadedModel:
        """The loaded model, loading it on first use (raises ModelUnavailable)."""
        key = f"{backend}:{quantization}:{name}" if backend != "transformers" else name
        with self._lock:
            if key in self._failures:
                # A fresh exception each time: re-raising the cached one would grow its traceback with every
                # call and keep every caller's frame (and the records it holds) alive.
                failure = self._failures[key]
                raise ModelUnavailable(failure.model, failure.reason)
            if key in self._models:
                self._models.move_to_end(key)
                return self._models[key]
            try:
                loaded = _load(name, self.probe_timeout, backend, quantization, threads, inter_threads)
            except ModelUnavailable as exc:
                self._failures[key] = ModelUnavailable(exc.model, exc.reason)
                raise
            self._models[key] = loaded
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


def pull(name: str, revision: str | None = None, local_files_only: bool = False) -> str:
    """Download a hub model into the local cache (safetensors weights, tokenizer files); returns its directory."""
    from huggingface_hub import HfApi, snapshot_download

    weights = ["*.safetensors"]
    if not local_files_only:
        files = HfApi().list_repo_files(name, revision=revision)
        if not any(f.endswith(".safetensors") for f in files):
            weights = ["pytorch_model.bin"]  # older repos only ship pickled weights
    return snapshot_download(
        name,
        revision=revision,
        local_files_only=local_files_only,
        allow_patterns=[*weights, "*.json", "*.spm", "*.model", "*.txt"],
    )
