"""Two backends behind one interface: transformers (the reference) and CTranslate2 (the default on CPU)."""

from __future__ import annotations

import dataclasses
import math
import os
from dataclasses import dataclass
from typing import Any

from tasks.config import TranslateConfig
from tasks.models.loading import LoadedModel, ModelCache
from tasks.stages.translate.batching import plan_batches

# The window of a tokenizer that does not say (opus-mt models have 512 positions).
DEFAULT_WINDOW = 512


@dataclass(frozen=True)
class Decoding:
    """Decoding options, the same for both backends."""

    beams: int = 4
    max_ratio: float = 1.6
    max_min: int = 16
    min_ratio: float = 0.0
    repetition_penalty: float = 1.0
    no_repeat_ngram_size: int = 0

    @classmethod
    def from_config(cls, config: TranslateConfig) -> Decoding:
        """The first-pass decoding of the configuration."""
        return cls(
            config.num_beams,
            config.max_new_tokens_ratio,
            config.max_new_tokens_min,
            config.min_new_tokens_ratio,
        )

    def retry(self, config: TranslateConfig) -> Decoding:
        """The same decoding with the configured anti-repetition options."""
        return dataclasses.replace(
            self,
            repetition_penalty=config.retry_repetition_penalty,
            no_repeat_ngram_size=config.retry_no_repeat_ngram_size,
        )

    def steps(self, longest: int) -> tuple[int, int]:
        """`(most, least)` output tokens for a batch whose longest source has `longest` tokens."""
        most = max(self.max_min, math.ceil(longest * self.max_ratio))
        return most, min(most, math.ceil(longest * self.min_ratio))


def thread_counts(config: TranslateConfig) -> tuple[int, int]:
    """`(inter, intra)`: batches decoded at once, and threads per batch, from the config or the machine."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    inter = config.inter_threads or min(cores, 4)
    return inter, config.intra_threads or max(1, cores // inter)


class Engine:
    """A loaded model that translates lists of sentences that fit its window, in token-budget batches."""

    backend = ""

    def __init__(self, loaded: LoadedModel) -> None:
        self.loaded = loaded
        self.name = loaded.name
        self.tokenizer = loaded.tokenizer
        limit = getattr(self.tokenizer, "model_max_length", DEFAULT_WINDOW) or DEFAULT_WINDOW
        self.window = limit if limit < 100_000 else DEFAULT_WINDOW
        self._ids: dict[str, list[int]] = {}

    def encode(self, text: str) -> list[int]:
        """Source token ids of `text`, end-of-sentence included."""
        if text not in self._ids:
            self._ids[text] = self.tokenizer(text)["input_ids"]
        return self._ids[text]

    def count_tokens(self, text: str) -> int:
        """Number of source tokens of `text`."""
        return len(self.encode(text))

    def translate(self, texts: list[str], decoding: Decoding, token_budget: int) -> list[tuple[str, int]]:
        """`(translation, output tokens)` for each text, in order."""
        ids = [self.encode(t) for t in texts]
        batches = plan_batches([len(i) for i in ids], token_budget)
        outputs = self._run([[ids[i] for i in batch] for batch in batches], decoding)
        results: list[tuple[str, int]] = [("", 0)] * len(texts)
        for batch, batch_out in zip(batches, outputs, strict=True):
            for i, out in zip(batch, batch_out, strict=True):
                results[i] = out
        return results

    def _run(self, batches: list[list[list[int]]], decoding: Decoding) -> list[list[tuple[str, int]]]:
        raise NotImplementedError


class TransformersEngine(Engine):
    """`generate` of a transformers seq2seq model, one batch at a time."""

    backend = "transformers"

    def _run(self, batches: list[list[list[int]]], decoding: Decoding) -> list[list[tuple[str, int]]]:
        import torch

        tokenizer, model = self.tokenizer, self.loaded.model
        specials = {tokenizer.pad_token_id, tokenizer.eos_token_id}
        outputs = []
        for batch in batches:
            longest = max(len(ids) for ids in batch)
            input_ids = torch.full((len(batch), longest), tokenizer.pad_token_id, dtype=torch.long)
            mask = torch.zeros_like(input_ids)
            for row, ids in enumerate(batch):
                input_ids[row, : len(ids)] = torch.tensor(ids)
                mask[row, : len(ids)] = 1
            most, least = decoding.steps(longest)
            options: dict[str, Any] = {"num_beams": decoding.beams, "max_new_tokens": most}
            if least:
                options["min_new_tokens"] = least
            if decoding.repetition_penalty != 1.0:
                options["repetition_penalty"] = decoding.repetition_penalty
            if decoding.no_repeat_ngram_size:
                options["no_repeat_ngram_size"] = decoding.no_repeat_ngram_size
            with torch.inference_mode():
                generated = model.generate(input_ids=input_ids, attention_mask=mask, **options)
            texts = tokenizer.batch_decode(generated, skip_special_tokens=True)
            counts = [sum(int(t) not in specials for t in row) for row in generated]
            outputs.append([(t.strip(), n) for t, n in zip(texts, counts, strict=True)])
        return outputs


class CTranslate2Engine(Engine):
    """`translate_batch` of a CTranslate2 translator; batches are queued at once so every replica works."""

    backend = "ctranslate2"

    def _run(self, batches: list[list[list[int]]], decoding: Decoding) -> list[list[tuple[str, int]]]:
        tokenizer, translator = self.tokenizer, self.loaded.model
        specials = set(tokenizer.all_special_tokens)
        pending = []
        for batch in batches:
            most, least = decoding.steps(max(len(ids) for ids in batch))
            pending.append(
                translator.translate_batch(
                    [tokenizer.convert_ids_to_tokens(ids) for ids in batch],
                    beam_size=decoding.beams,
                    max_decoding_length=most,
                    min_decoding_length=least,
                    repetition_penalty=decoding.repetition_penalty,
                    no_repeat_ngram_size=decoding.no_repeat_ngram_size,
                    max_input_length=0,  # never truncate: sentences were fitted to the window
                    asynchronous=True,
                )
            )
        outputs = []
        for futures in pending:
            batch_out = []
            for future in futures:
                tokens = [t for t in future.result().hypotheses[0] if t not in specials]
                batch_out.append((tokenizer.convert_tokens_to_string(tokens).strip(), len(tokens)))
            outputs.append(batch_out)
        return outputs


def load_engine(name: str, config: TranslateConfig, cache: ModelCache) -> Engine:
    """The model `name` loaded for the configured backend (raises ModelUnavailable)."""
    inter, intra = thread_counts(config)
    if config.backend == "ctranslate2":
        return CTranslate2Engine(
            cache.get(
                name,
                backend="ctranslate2",
                quantization=config.quantization,
                threads=intra,
                inter_threads=inter,
            )
        )
    if config.intra_threads:
        import torch

        torch.set_num_threads(config.intra_threads)
    return TransformersEngine(cache.get(name))
