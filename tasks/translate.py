"""Translate: non-English articles into English, sentence by sentence, with alignment kept."""

from __future__ import annotations

import dataclasses

from tasks.article import Article, Flag, Translation
from tasks.config import Config, TranslateConfig
from tasks.models import ModelCache, ModelUnavailable, model_cache
from tasks.text import fit_to_window, paragraph_spans, split_sentences


def route(lang: str, config: TranslateConfig) -> str:
    """The model that translates `lang` into English (override, else the naming template)."""
    return config.models.get(lang) or config.model_template.format(src=lang)


class TransformersTranslator:
    """Batch translation with a transformers seq2seq model (length-sorted batches, order restored)."""

    def __init__(self, model_name: str, config: TranslateConfig, cache: ModelCache) -> None:
        self.model_name = model_name
        self.config = config
        self.loaded = cache.get(model_name)

    def count_tokens(self, text: str) -> int:
        """Number of source tokens of `text`."""
        return len(self.loaded.tokenizer(text)["input_ids"])

    def translate(self, sentences: list[str]) -> list[str]:
        """Translations of `sentences`, in the same order."""
        import torch

        tokenizer, model = self.loaded.tokenizer, self.loaded.model
        unique = sorted(set(sentences), key=lambda s: (len(s), s))
        done: dict[str, str] = {}
        for i in range(0, len(unique), self.config.batch_size):
            batch = unique[i : i + self.config.batch_size]
            inputs = tokenizer(batch, return_tensors="pt", padding=True)
            longest = int(inputs["attention_mask"].sum(dim=1).max())
            max_new = max(self.config.max_new_tokens_min, int(longest * self.config.max_new_tokens_ratio))
            with torch.inference_mode():
                output = model.generate(**inputs, num_beams=self.config.num_beams, max_new_tokens=max_new)
            for source, text in zip(
                batch, tokenizer.batch_decode(output, skip_special_tokens=True), strict=True
            ):
                done[source] = text.strip()
        return [done[s] for s in sentences]


def translate_text(text: str, lang: str, translator: TransformersTranslator) -> tuple[str, list[dict]]:
    """English for a multi-paragraph text, and the sentence alignment (source span -> target span)."""
    units: list[tuple[int, int, int, list[str]]] = []  # paragraph index, start, end, pieces
    for p_index, (p_start, p_end) in enumerate(paragraph_spans(text)):
        for s_start, s_end in split_sentences(text[p_start:p_end], lang):
            sentence = text[p_start + s_start : p_start + s_end]
            pieces = fit_to_window(sentence, translator.count_tokens, translator.config.max_input_tokens)
            units.append((p_index, p_start + s_start, p_start + s_end, pieces))
    flat = [piece for *_, pieces in units for piece in pieces]
    translated = iter(translator.translate(flat))
    paragraphs: list[list[str]] = []
    alignment: list[dict] = []
    offset = 0
    for p_index, start, end, pieces in units:
        target = " ".join(next(translated) for _ in pieces).strip()
        if p_index == len(paragraphs):
            if paragraphs:
                offset += 2  # the blank line between paragraphs
            paragraphs.append([])
        elif paragraphs[-1]:
            offset += 1  # the space between sentences
        paragraphs[-1].append(target)
        alignment.append(
            {
                "source_start": start,
                "source_end": end,
                "target_start": offset,
                "target_end": offset + len(target),
                "pieces": len(pieces),
            }
        )
        offset += len(target)
    return "\n\n".join(" ".join(p) for p in paragraphs), alignment


def needs_translation(article: Article, config: Config) -> str | None:
    """The source language to translate from, or None when the article is English or must only be marked."""
    lang = article.lang
    if lang == "en":
        return None
    if lang == "und":
        return "mul" if config.detect.uncertain_policy == "multilingual" else None
    return lang


def translate_articles(
    articles: list[Article], config: Config, cache: ModelCache | None = None
) -> list[Article]:
    """Add an English translation to each non-English article (or a flag saying why there is none)."""
    cache = cache or model_cache(config.models.cache_size, config.models.hub_probe_timeout)
    out: list[Article] = []
    translators: dict[str, TransformersTranslator | ModelUnavailable] = {}
    for article in sorted(articles, key=lambda a: a.lang):
        lang = needs_translation(article, config)
        if lang is None:
            out.append(article)
            continue
        names = [route(lang, config.translate), config.translate.fallback_model] if lang != "mul" else []
        names = list(dict.fromkeys([*names, config.translate.fallback_model]))
        translator: TransformersTranslator | ModelUnavailable | None = None
        for name in names:
            if name not in translators:
                try:
                    translators[name] = TransformersTranslator(name, config.translate, cache)
                except ModelUnavailable as exc:
                    translators[name] = exc
            translator = translators[name]
            if isinstance(translator, TransformersTranslator):
                break
        if not isinstance(translator, TransformersTranslator):
            if config.models.policy == "fail":
                first = translators[names[0]]
                raise first if isinstance(first, ModelUnavailable) else translator
            out.append(
                article.with_flags(
                    Flag("not-translated", f"not translated: model unavailable ({names[0]})", "translate")
                )
            )
            continue
        source_lang = lang if lang != "mul" else "en"
        title, _ = translate_text(article.title, source_lang, translator)
        body, alignment = translate_text(article.body, source_lang, translator)
        translation = Translation(
            title=title,
            body=body,
            model=translator.model_name,
            backend="transformers",
            sentences=tuple(alignment),
        )
        out.append(dataclasses.replace(article, translation=translation))
    order = {a.id: i for i, a in enumerate(articles)}
    return sorted(out, key=lambda a: order[a.id])


def translate_record(record: dict, config: Config, cache: ModelCache | None = None) -> dict:
    """One JSON-lines record `{"id", "source_lang", "text"}` to `{"id", "text", "sentences"}`."""
    lang = (record.get("source_lang") or "").split("-")[0].lower()
    text = record.get("text") or ""
    if not lang or lang == "en" or not text.strip():
        return {"id": record.get("id"), "text": text, "sentences": []}
    cache = cache or model_cache(config.models.cache_size, config.models.hub_probe_timeout)
    try:
        translator = TransformersTranslator(route(lang, config.translate), config.translate, cache)
    except ModelUnavailable as exc:
        return {"id": record.get("id"), "text": None, "sentences": [], "error": str(exc)}
    body, alignment = translate_text(text, lang, translator)
    return {"id": record.get("id"), "text": body, "sentences": alignment}
