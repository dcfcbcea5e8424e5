"""Summarise: one summary per story, map-reduce over chunks that fit the model window, never truncated."""

from __future__ import annotations

import dataclasses

from tasks.article import Article, Flag, Story, Summary
from tasks.config import Config, SummariseConfig
from tasks.models import LoadedModel, ModelCache, ModelUnavailable, model_cache
from tasks.text import fit_to_window, sentences_of


def extractive_summary(text: str, config: SummariseConfig) -> str:
    """The lead sentences of the text, whole, as many as configured."""
    return " ".join(sentences_of(text)[: config.extractive_sentences])


def chunk_sentences(sentences: list[str], count_tokens, limit: int) -> list[str]:
    """Consecutive sentences packed into chunks of at most `limit` tokens (a longer sentence is its own chunk)."""
    chunks: list[str] = []
    current: list[str] = []
    size = 0
    for sentence in sentences:
        n = count_tokens(sentence)
        if current and size + n > limit:
            chunks.append(" ".join(current))
            current, size = [], 0
        current.append(sentence)
        size += n
    if current:
        chunks.append(" ".join(current))
    return chunks


class Summariser:
    """A seq2seq summariser that reads every token of its input."""

    def __init__(self, loaded: LoadedModel, config: SummariseConfig) -> None:
        self.loaded = loaded
        self.config = config
        # Leave room for the special tokens the tokenizer adds around each chunk.
        self.window = (
            min(config.max_input_tokens, getattr(loaded.model.config, "max_position_embeddings", 1024)) - 4
        )

    def count_tokens(self, text: str) -> int:
        """Number of model tokens of `text`, without special tokens."""
        return len(self.loaded.tokenizer(text, add_special_tokens=False)["input_ids"])

    def generate(self, texts: list[str]) -> list[str]:
        """One summary per text (each text fits the window)."""
        import torch

        tokenizer, model = self.loaded.tokenizer, self.loaded.model
        inputs = tokenizer(texts, return_tensors="pt", padding=True, truncation=False)
        with torch.inference_mode():
            output = model.generate(
                **inputs,
                num_beams=self.config.num_beams,
                min_new_tokens=self.config.min_new_tokens,
                max_new_tokens=self.config.max_new_tokens,
            )
        return [t.strip() for t in tokenizer.batch_decode(output, skip_special_tokens=True)]

    def summarise(self, text: str) -> Summary:
        """Summarise `text` whole: directly if it fits, else summaries of chunks summarised again."""
        tokens = self.count_tokens(text)
        if tokens <= self.window:
            return Summary(self.generate([text])[0], "single", self.loaded.name, 1, tokens)
        pieces = [p for s in sentences_of(text) for p in fit_to_window(s, self.count_tokens, self.window)]
        chunks = chunk_sentences(pieces, self.count_tokens, self.window)
        first_round = len(chunks)
        while True:
            partials = self.generate(chunks)
            joined = " ".join(partials)
            if self.count_tokens(joined) <= self.window or len(chunks) == 1:
                break
            regrouped = chunk_sentences(partials, self.count_tokens, self.window)
            if len(regrouped) >= len(chunks):  # summaries no shorter than their inputs: stop reducing
                break
            chunks = regrouped
        final = self.generate([joined])[0] if self.count_tokens(joined) <= self.window else joined
        return Summary(final, "chunked", self.loaded.name, first_round, tokens)


def story_text(story: Story, articles: dict[str, Article]) -> str:
    """The English text a story is summarised from: its first (best) member's body."""
    return articles[story.article_ids[0]].english_body


def summarise_stories(
    stories: list[Story], articles: dict[str, Article], config: Config, cache: ModelCache | None = None
) -> list[Story]:
    """Add a summary to each story: model output, or a labelled extractive fallback."""
    cache = cache or model_cache(config.models.cache_size, config.models.hub_probe_timeout)
    summariser: Summariser | None = None
    failure: ModelUnavailable | None = None
    try:
        summariser = Summariser(cache.get(config.summarise.model), config.summarise)
    except ModelUnavailable as exc:
        if config.models.policy == "fail":
            raise
        failure = exc
    out = []
    for story in stories:
        text = story_text(story, articles)
        lead = articles[story.article_ids[0]]
        if summariser is None or (lead.translation is None and lead.lang != "en"):
            reason = "summary model unavailable" if failure else "source text is not in English"
            summary = Summary(
                extractive_summary(text, config.summarise),
                "extractive-fallback",
                None,
                flags=(Flag("summary-fallback", f"extractive summary: {reason}", "summarise"),),
            )
        else:
            summary = summariser.summarise(text)
        out.append(dataclasses.replace(story, summary=summary))
    return out
