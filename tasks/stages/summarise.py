"""Summarise: one summary per story, map-reduce over chunks that fit the model window, never truncated."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from tasks.article import Article, Flag, Story, Summary
from tasks.config import Config, SummariseConfig
from tasks.models.loading import LoadedModel, ModelCache, ModelUnavailable, model_cache
from tasks.stages.faithfulness import unsupported
from tasks.stages.stories import anchors_of, best_source_key, has_english
from tasks.text import fit_to_window, sentences_of


class Backend(Protocol):
    """A seq2seq model that summarises texts that each fit its window."""

    loaded: LoadedModel

    def count_tokens(self, text: str) -> int:
        """Model tokens of `text` without special tokens."""
        ...

    def generate(self, texts: list[str]) -> list[str]:
        """One summary per text, in order."""
        ...


class _Tokens:
    def __init__(self, loaded: LoadedModel, config: SummariseConfig) -> None:
        self.loaded = loaded
        self.config = config

    def count_tokens(self, text: str) -> int:
        """Model tokens of `text` without special tokens."""
        return len(self.loaded.tokenizer(text, add_special_tokens=False)["input_ids"])


class TransformersBackend(_Tokens):
    """`generate` of a transformers model, on length-sorted batches of at most `batch_tokens` input tokens."""

    def generate(self, texts: list[str]) -> list[str]:
        """One summary per text, in order."""
        import torch

        tokenizer, model, cfg = self.loaded.tokenizer, self.loaded.model, self.config
        encoded = [tokenizer(t, truncation=False)["input_ids"] for t in texts]
        order = sorted(range(len(texts)), key=lambda i: len(encoded[i]))
        out: dict[int, str] = {}
        start = 0
        while start < len(order):
            end = start + 1
            while end < len(order) and (end - start + 1) * len(encoded[order[end]]) <= cfg.batch_tokens:
                end += 1
            batch = order[start:end]
            inputs = tokenizer.pad({"input_ids": [encoded[i] for i in batch]}, return_tensors="pt")
            with torch.inference_mode():
                output = model.generate(
                    **inputs,
                    num_beams=cfg.num_beams,
                    min_new_tokens=cfg.min_new_tokens,
                    max_new_tokens=cfg.max_new_tokens,
                    length_penalty=cfg.length_penalty,
                    no_repeat_ngram_size=cfg.no_repeat_ngram_size,
                    early_stopping=True,
                )
            for i, text in zip(batch, tokenizer.batch_decode(output, skip_special_tokens=True), strict=True):
                out[i] = text.strip()
            start = end
        return [out[i] for i in range(len(texts))]


class CTranslate2Backend(_Tokens):
    """A CTranslate2 translator (the converted model, quantised), batched by tokens."""

    def __init__(self, loaded: LoadedModel, config: SummariseConfig) -> None:
        super().__init__(loaded, config)
        self.prefix = _forced_bos(loaded)

    def generate(self, texts: list[str]) -> list[str]:
        """One summary per text, in order (the same decoding settings as the transformers backend)."""
        tokenizer, cfg = self.loaded.tokenizer, self.config
        source = [tokenizer.convert_ids_to_tokens(tokenizer(t, truncation=False)["input_ids"]) for t in texts]
        results = self.loaded.model.translate_batch(
            source,
            target_prefix=[[self.prefix]] * len(texts) if self.prefix else None,
            max_batch_size=cfg.batch_tokens,
            batch_type="tokens",
            beam_size=cfg.num_beams,
            length_penalty=cfg.length_penalty,
            no_repeat_ngram_size=cfg.no_repeat_ngram_size,
            # transformers counts the end token in max_new_tokens (it forces it last); CTranslate2 does not, and
            # counts the prefix as transformers does.
            min_decoding_length=min(cfg.min_new_tokens, cfg.max_new_tokens - 1),
            max_decoding_length=cfg.max_new_tokens - 1,
            max_input_length=0,  # chunks already fit the window; 0 means never cut
        )
        return [
            tokenizer.decode(
                tokenizer.convert_tokens_to_ids(r.hypotheses[0]), skip_special_tokens=True
            ).strip()
            for r in results
        ]


def _forced_bos(loaded: LoadedModel) -> str | None:
    """The token transformers forces first (BART summarisers start with `<s>`); CTranslate2 needs it as a prefix."""
    from transformers import AutoConfig, GenerationConfig

    path = str(loaded.path)
    try:
        generation = GenerationConfig.from_pretrained(path)
    except OSError:
        generation = GenerationConfig.from_model_config(AutoConfig.from_pretrained(path))
    token = generation.forced_bos_token_id
    return loaded.tokenizer.convert_ids_to_tokens(token) if token is not None else None


def load_backend(config: Config, cache: ModelCache) -> Backend:
    """The configured summariser backend, through the shared model cache (raises ModelUnavailable)."""
    cfg = config.summarise
    if cfg.backend == "ctranslate2":
        loaded = cache.get(
            cfg.model, backend="ctranslate2", quantization=cfg.quantization, threads=cfg.threads
        )
        return CTranslate2Backend(loaded, cfg)
    return TransformersBackend(cache.get(cfg.model), cfg)


def window(backend: Backend, config: SummariseConfig) -> int:
    """Input tokens a chunk may have: the model window less the special tokens around it."""
    tokenizer = backend.loaded.tokenizer
    limit = min(
        config.max_input_tokens, getattr(tokenizer, "model_max_length", None) or config.max_input_tokens
    )
    return limit - tokenizer.num_special_tokens_to_add()


def chunk_sentences(sentences: list[str], count_tokens: Callable[[str], int], limit: int) -> list[str]:
    """Consecutive sentences packed into chunks of at most `limit` tokens (each sentence already fits)."""
    chunks: list[str] = []
    current: list[str] = []
    size = 0
    for sentence in sentences:
        # Byte-level BPE never merges across a space, so the larger of the counts with and without the joining
        # space bounds what the sentence adds to the chunk.
        n = max(count_tokens(sentence), count_tokens(" " + sentence))
        if current and size + n > limit:
            chunks.append(" ".join(current))
            current, size = [], 0
        current.append(sentence)
        size += n
    if current:
        chunks.append(" ".join(current))
    return chunks


@dataclass
class _Job:
    """One text being summarised: what the next round generates from, and how it started."""

    tokens: int
    pending: list[str]
    chunks: int
    final: str | None = None


def map_reduce(texts: list[str], backend: Backend, limit: int) -> list[Summary]:
    """Summaries of `texts` read whole: chunks at sentence boundaries, chunk summaries summarised until one fits."""
    # Every round generates for all texts at once, so the chunks of different stories share batches.
    jobs = []
    for text in texts:
        tokens = backend.count_tokens(text)
        if tokens <= limit:
            pending = [text]
        else:
            pieces = [p for s in sentences_of(text) for p in fit_to_window(s, backend.count_tokens, limit)]
            pending = chunk_sentences(pieces, backend.count_tokens, limit)
        jobs.append(_Job(tokens, pending, len(pending)))
    while active := [j for j in jobs if j.final is None]:
        inputs = [chunk for job in active for chunk in job.pending]
        outputs = iter(backend.generate(inputs))
        for job in active:
            partials = [next(outputs) for _ in job.pending]
            if len(partials) == 1:
                job.final = partials[0]
                continue
            regrouped = chunk_sentences(partials, backend.count_tokens, limit)
            if len(regrouped) >= len(job.pending):  # summaries as long as their inputs: reducing cannot end
                job.final = " ".join(partials)
            else:
                job.pending = regrouped
    return [
        Summary(
            job.final or "",
            "single" if job.chunks == 1 else "chunked",
            backend.loaded.name,
            job.chunks,
            job.tokens,
        )
        for job in jobs
    ]


def extractive_summary(text: str, config: SummariseConfig) -> str:
    """Whole lead sentences, at most `extractive_sentences` of them and `extractive_max_words` words in all."""
    picked: list[str] = []
    words = 0
    for sentence in sentences_of(text):
        size = len(sentence.split())
        if size < 4 or words + size > config.extractive_max_words:
            continue  # headings and bylines are not lead sentences; a sentence past the budget is never cut
        picked.append(sentence)
        words += size
        if len(picked) == config.extractive_sentences:
            break
    return " ".join(picked)


def story_text(story: Story, articles: dict[str, Article], fuse: bool = False) -> str:
    """The best source's English text; with `fuse`, plus other sources' sentences bringing new names or numbers."""
    members = sorted((articles[i] for i in story.article_ids), key=best_source_key)
    text = members[0].english_body
    if not fuse:
        return text
    known = set(anchors_of(text))
    added = []
    for other in members[1:]:
        if not has_english(other):
            continue
        for sentence in sentences_of(other.english_body):
            new = set(anchors_of(sentence)) - known
            if new:
                added.append(sentence)
                known |= new
    return "\n\n".join([text, " ".join(added)]) if added else text


def _fallback(text: str, config: SummariseConfig, reason: str) -> Summary:
    flag = Flag(
        "summary-fallback", f"extractive summary (whole sentences from the source): {reason}", "summarise"
    )
    return Summary(extractive_summary(text, config), "extractive-fallback", None, flags=(flag,))


def check(summary: Summary, source: str, config: SummariseConfig) -> Summary:
    """The faithfulness guard: a summary naming what its source does not is flagged, or replaced by policy."""
    missing = unsupported(summary.text, source)
    if not missing:
        return summary
    listed = ", ".join(missing[:10])
    if config.faithfulness == "extractive":
        return _fallback(source, config, f"the model summary had {listed}, not in the source")
    flag = Flag(
        "unfaithful", f"check against source: the summary has {listed}, not in the source", "summarise"
    )
    return dataclasses.replace(summary, flags=(*summary.flags, flag))


def summarise_stories(
    stories: list[Story], articles: dict[str, Article], config: Config, cache: ModelCache | None = None
) -> list[Story]:
    """Add a summary to each story: model output checked against its source, or a labelled extractive one."""
    cfg = config.summarise
    summaries: dict[str, Summary] = {}
    model_jobs: list[tuple[Story, str]] = []
    for story in stories:
        best = min((articles[i] for i in story.article_ids), key=best_source_key)
        if has_english(best):
            model_jobs.append((story, story_text(story, articles, cfg.fuse_sources)))
        else:
            summaries[story.id] = _fallback(best.body, cfg, "no source of this story is in English")
    if model_jobs:
        cache = cache or model_cache(config.models.cache_size, config.models.hub_probe_timeout)
        try:
            backend = load_backend(config, cache)
        except ModelUnavailable as exc:
            if config.models.policy == "fail":
                raise
            for story, text in model_jobs:
                summaries[story.id] = _fallback(text, cfg, f"summary model unavailable ({exc.model})")
        else:
            made = map_reduce([text for _, text in model_jobs], backend, window(backend, cfg))
            for (story, text), summary in zip(model_jobs, made, strict=True):
                summaries[story.id] = check(summary, text, cfg)
    return [dataclasses.replace(s, summary=summaries[s.id]) for s in stories]
