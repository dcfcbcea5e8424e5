"""The translate stage: articles split into sentences, each sentence through its language's model, reassembled."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from tasks.article import Article, Detection, Flag, Translation
from tasks.config import Config, TranslateConfig
from tasks.models.loading import ModelCache, ModelUnavailable, model_cache, model_dir
from tasks.stages.translate.backends import Decoding, Engine, load_engine
from tasks.stages.translate.checks import normalise_case, output_problem
from tasks.stages.translate.routing import MULTILINGUAL, candidates, route
from tasks.storage.memory import TranslationMemory, model_fingerprint
from tasks.text import fit_to_window, paragraph_spans, split_sentences

# Part of every memory namespace: bump when the way a sentence becomes its translation changes.
VERSION = 1


@dataclass(frozen=True)
class Sentence:
    """One sentence of a text, in the language it will be translated from (`en`: kept as it is)."""

    text: str
    lang: str
    paragraph: int
    start: int
    end: int


def segment(
    text: str, lang: str, spans: tuple[tuple[int, int, str, float], ...] = (), min_confidence: float = 1.0
) -> list[Sentence]:
    """The sentences of `text`; one inside a confident detected span of another language takes that language."""
    out = []
    rules = "en" if lang == MULTILINGUAL else lang
    for index, (p_start, p_end) in enumerate(paragraph_spans(text)):
        for s_start, s_end in split_sentences(text[p_start:p_end], rules):
            start, end = p_start + s_start, p_start + s_end
            middle = (start + end) // 2
            own = next(
                (
                    span_lang
                    for a, b, span_lang, confidence in spans
                    if a <= middle < b and confidence >= min_confidence and span_lang not in ("und", lang)
                ),
                lang,
            )
            out.append(Sentence(text[start:end], own, index, start, end))
    return out


def needs_translation(article: Article, config: Config) -> str | None:
    """The source language to translate from, or None when the article is English or must only be marked."""
    lang = article.lang
    if lang == "en":
        return None
    if lang == "und":
        return MULTILINGUAL if config.detect.uncertain_policy == "multilingual" else None
    return lang


class Translator:
    """Sentences of one language through one model: the memory first, then the model for what it lacks."""

    def __init__(
        self,
        name: str,
        config: TranslateConfig,
        cache: ModelCache,
        memory: TranslationMemory | None,
        probe_timeout: float = 3.0,
    ) -> None:
        self.name = name
        self.config = config
        self.cache = cache
        self.memory = memory
        self.decoding = Decoding.from_config(config)
        self._engine: Engine | None = None
        path = model_dir(name, probe_timeout)  # raises ModelUnavailable before any work
        self.namespace = ""
        if memory is not None:
            self.namespace = TranslationMemory.namespace(
                version=VERSION,
                model=model_fingerprint(path, memory.store),
                backend=config.backend,
                quantization=config.quantization if config.backend == "ctranslate2" else None,
                decoding=dataclasses.asdict(self.decoding),
                retry=dataclasses.asdict(self.decoding.retry(config)) if config.check_output else None,
                window=config.max_input_tokens,
            )

    @property
    def engine(self) -> Engine:
        """The loaded model, loaded on first use only: a run the memory answers loads nothing."""
        if self._engine is None:
            self._engine = load_engine(self.name, self.config, self.cache)
        return self._engine

    def translate(self, sentences: list[str]) -> dict[str, dict[str, Any]]:
        """`{"target", "problem", "pieces"}` for each distinct sentence."""
        found = self.memory.get(self.namespace, sentences) if self.memory else {}
        todo = [s for s in dict.fromkeys(sentences) if s not in found]
        if not todo:
            return found
        fresh = self._translate(todo)
        if self.memory:
            self.memory.put(self.namespace, fresh)
        return {**found, **fresh}

    def _translate(self, sentences: list[str]) -> dict[str, dict[str, Any]]:
        engine = self.engine
        window = min(self.config.max_input_tokens, engine.window)
        pieces = {s: fit_to_window(normalise_case(s), engine.count_tokens, window) for s in sentences}
        flat = list(dict.fromkeys(p for s in sentences for p in pieces[s]))
        budget = self.config.token_budget
        outputs = dict(zip(flat, engine.translate(flat, self.decoding, budget), strict=True))
        problems: dict[str, str | None] = {}
        if self.config.check_output:
            problems = {
                p: output_problem(p, outputs[p][0], engine.count_tokens(p), outputs[p][1]) for p in flat
            }
            bad = [p for p in flat if problems[p]]
            if bad:
                retried = engine.translate(bad, self.decoding.retry(self.config), budget)
                for piece, (text, count) in zip(bad, retried, strict=True):
                    outputs[piece] = (text, count)
                    problems[piece] = output_problem(piece, text, engine.count_tokens(piece), count)
        return {
            s: {
                "target": " ".join(outputs[p][0] for p in pieces[s] if outputs[p][0]),
                "problem": next((problems[p] for p in pieces[s] if problems.get(p)), None),
                "pieces": len(pieces[s]),
            }
            for s in sentences
        }


def assemble(
    sentences: list[Sentence], done: dict[tuple[str, str], dict[str, Any]], models: dict[str, str]
) -> tuple[str, list[dict[str, Any]]]:
    """The translated text (paragraphs kept, sentences in order) and its alignment, source span -> target span."""
    parts: list[str] = []
    alignment: list[dict[str, Any]] = []
    position = 0
    previous: int | None = None
    for sentence in sentences:
        result = done.get((sentence.lang, sentence.text))
        target = result["target"] if result else sentence.text  # English, or no model for its language
        if previous is not None:
            separator = "\n\n" if sentence.paragraph != previous else " "
            parts.append(separator)
            position += len(separator)
        entry: dict[str, Any] = {
            "source_start": sentence.start,
            "source_end": sentence.end,
            "target_start": position,
            "target_end": position + len(target),
            "paragraph": sentence.paragraph,
            "lang": sentence.lang,
            "model": models.get(sentence.lang) if result else None,
            "pieces": result["pieces"] if result else 1,
        }
        if result and result.get("problem"):
            entry["check"] = result["problem"]
        alignment.append(entry)
        parts.append(target)
        position += len(target)
        previous = sentence.paragraph
    return "".join(parts), alignment


def _obtainable(lang: str, config: TranslateConfig, probe_timeout: float) -> bool:
    """Whether any model that translates `lang` can be had (a local directory or the cache or the Hub)."""
    for name in candidates(lang, config):
        try:
            model_dir(name, probe_timeout)
        except ModelUnavailable:
            continue
        return True
    return False


def translate_articles(
    articles: list[Article],
    config: Config,
    cache: ModelCache | None = None,
    *,
    memory: TranslationMemory | None = None,
) -> list[Article]:
    """Add an English translation to each article that needs one (or a flag saying why there is none).

    Non-English articles are translated whole; English ones only in their confidently foreign spans.
    All sentences of the batch in one language go through its model together.
    """
    cache = cache or model_cache(config.models.cache_size, config.models.hub_probe_timeout)
    tcfg = config.translate
    plans: list[tuple[str, list[Sentence], list[Sentence]] | None] = []
    work: dict[str, dict[str, None]] = {}
    missing: set[str] = set()
    obtainable: dict[str, bool] = {}
    for article in articles:
        lang = needs_translation(article, config)
        spans = article.detection.spans if article.detection else ()
        if lang is None and article.lang != "en":
            plans.append(None)
            continue
        if lang and config.models.policy == "degrade":
            if lang not in obtainable:
                obtainable[lang] = _obtainable(lang, tcfg, config.models.hub_probe_timeout)
            if not obtainable[lang]:  # no model: nothing to split into sentences
                missing.add(lang)
                plans.append((lang, [], []))
                continue
        body = segment(article.body, lang or "en", spans, tcfg.span_min_confidence)
        title = segment(article.title, lang) if lang else []
        if lang is None and all(s.lang == "en" for s in body):
            plans.append(None)
            continue
        plans.append((lang or "en", title, body))
        for sentence in (*title, *body):
            if sentence.lang != "en":
                work.setdefault(sentence.lang, {})[sentence.text] = None

    done: dict[tuple[str, str], dict[str, Any]] = {}
    models: dict[str, str] = {}
    for lang, texts in work.items():
        errors: list[ModelUnavailable] = []
        for name in candidates(lang, tcfg):
            try:
                translator = Translator(name, tcfg, cache, memory, config.models.hub_probe_timeout)
                results = translator.translate(list(texts))
            except ModelUnavailable as exc:
                errors.append(exc)
                continue
            models[lang] = name
            done.update(((lang, text), entry) for text, entry in results.items())
            break
        else:
            if config.models.policy == "fail":
                raise errors[0]
            missing.add(lang)

    out: list[Article] = []
    for article, plan in zip(articles, plans, strict=True):
        if plan is None:
            out.append(article)
            continue
        lang, title_sentences, body_sentences = plan
        if lang in missing:
            message = f"not translated: model unavailable ({route(lang, tcfg)})"
            out.append(article.with_flags(Flag("not-translated", message, "translate")))
            continue
        title, title_alignment = assemble(title_sentences, done, models)
        body, alignment = assemble(body_sentences, done, models)
        flags = [
            Flag(
                "not-translated",
                f"{other} sentences left as they are: model unavailable ({route(other, tcfg)})",
                "translate",
            )
            for other in sorted({s.lang for s in body_sentences} & missing)
        ]
        flags += [
            Flag(
                "check-translation",
                f"{where} {a['source_start']}-{a['source_end']}: {a['check']}",
                "translate",
            )
            for where, entries in (("headline", title_alignment), ("sentence", alignment))
            for a in entries
            if "check" in a
        ]
        used = [models[s.lang] for s in (*title_sentences, *body_sentences) if s.lang in models]
        translation = Translation(
            title=title if title_sentences else article.title,
            body=body,
            model=", ".join(dict.fromkeys(used)) or None,
            backend=tcfg.backend,
            sentences=tuple(alignment),
        )
        out.append(dataclasses.replace(article, translation=translation).with_flags(*flags))
    return out


def translate_record(
    record: dict,
    config: Config,
    cache: ModelCache | None = None,
    memory: TranslationMemory | None = None,
    *,
    local_option: str = "`--model fr-en=DIR`",
) -> dict:
    """One JSON-lines record `{"id", "source_lang", "text"}` to `{"id", "text", "sentences"}`; a missing model's
    error names `local_option`, the caller's way to pass a local model directory."""
    lang = (record.get("source_lang") or "").split("-")[0].split("_")[0].lower()
    text = record.get("text") or ""
    if not lang or lang == "en" or not text.strip():
        return {"id": record.get("id"), "text": text, "sentences": []}
    article = Article(
        id=str(record.get("id")),
        source="jsonl",
        format="jsonl",
        title="",
        body=text,
        detection=Detection(lang, 1.0, True),
    )
    strict = config.model_copy(update={"models": config.models.model_copy(update={"policy": "fail"})})
    try:
        (translated,) = translate_articles([article], strict, cache, memory=memory)
    except ModelUnavailable as exc:
        return {"id": record.get("id"), "text": None, "sentences": [], "error": exc.explain(local_option)}
    translation = translated.translation
    body, sentences = (translation.body, list(translation.sentences)) if translation else (text, [])
    return {"id": record.get("id"), "text": body, "sentences": sentences}
