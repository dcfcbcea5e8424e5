"""What a degraded run lacked (translation and summary models) and how to say so: one line, a banner, a subject."""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from tasks.article import Article, Story

if TYPE_CHECKING:
    from tasks.pipeline import Run

# The translate and summarise stages name the model they could not load in their flags: `... (MODEL)`.
_UNAVAILABLE = re.compile(r"model unavailable \(([^()]+)\)")
ADVICE = "run `briefing models pull` on a machine with Hub access, or see README § Models"


@dataclass(frozen=True)
class Degradation:
    """The models a run needed but could not load, and what that cost."""

    translation_models: list[str] = field(default_factory=list)  # every model the run routed to
    missing_translation: list[str] = field(default_factory=list)
    untranslated_articles: int = 0
    untranslated_languages: list[str] = field(default_factory=list)  # ISO codes
    summary_model: str | None = None  # the summary model, when it was missing
    fallback_stories: int = 0
    stories: int = 0

    @property
    def degraded(self) -> bool:
        """Whether any model the run needed was missing."""
        return bool(self.missing_translation or self.summary_model)

    def what(self) -> str:
        """`3 of 6 translation models and the summary model`: what is missing, in a few words."""
        parts = []
        if self.missing_translation:
            total = len(self.translation_models)
            noun = "model" if total == 1 else "models"
            parts.append(f"{len(self.missing_translation)} of {total} translation {noun}")
        if self.summary_model:
            parts.append("the summary model")
        return " and ".join(parts)

    def line(self) -> str:
        """The one line a degraded run ends with; empty when nothing was missing."""
        if not self.degraded:
            return ""
        several = len(self.missing_translation) > 1 or (self.missing_translation and self.summary_model)
        verb = "are" if several else "is"
        return f"degraded run: {self.what()} {verb} unavailable: {ADVICE}"

    def banner(self, language_name=lambda code: code) -> list[str]:
        """The banner's items: what was not done, and which models were missing."""
        items = []
        if self.missing_translation:
            langs = ", ".join(sorted(language_name(code) for code in self.untranslated_languages))
            n = self.untranslated_articles
            items.append(
                f"{n} {'article' if n == 1 else 'articles'} in {langs} not translated: "
                f"{self.what_translation()} unavailable ({', '.join(self.missing_translation)})."
            )
        if self.summary_model:
            n, total = self.fallback_stories, self.stories
            items.append(
                f"{n} of {total} {'story' if total == 1 else 'stories'} summarised by their lead sentences: "
                f"the summary model is unavailable ({self.summary_model})."
            )
        return items

    def what_translation(self) -> str:
        """`3 of 6 translation models`."""
        total = len(self.translation_models)
        return f"{len(self.missing_translation)} of {total} translation {'model' if total == 1 else 'models'}"

    def as_dict(self) -> dict[str, Any]:
        """For the manifest (`degraded`), with the line a person reads."""
        return {**asdict(self), "degraded": self.degraded, "line": self.line()}

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> Degradation:
        """Back from the manifest; an older manifest without it reads as not degraded."""
        names = set(cls.__dataclass_fields__)
        return cls(**{k: v for k, v in (data or {}).items() if k in names})


def _unavailable(messages: list[str]) -> list[str]:
    return [m.group(1) for text in messages for m in _UNAVAILABLE.finditer(text)]


def _build(rows: list[tuple[str, str | None, list[str]]], stories: list[Story]) -> Degradation:
    """From (language, translated by, not-translated messages) per article, and the stories."""
    used: dict[str, None] = {}
    missing: dict[str, None] = {}
    untranslated = 0
    langs: dict[str, None] = {}
    for lang, translated_by, messages in rows:
        if translated_by:
            used.update(dict.fromkeys(translated_by.split(", ")))
        names = _unavailable(messages)
        missing.update(dict.fromkeys(names))
        if names and not translated_by:
            untranslated += 1
            langs[lang] = None
    summarised = [s for s in stories if s.summary]
    summary_missing = [
        name
        for s in summarised
        for name in _unavailable([f.message for f in s.summary.flags if "summary model" in f.message])
    ]
    # Without the summary model every story has a lead-sentence summary (those left untranslated too).
    fallback = sum(1 for s in summarised if s.summary.method == "extractive-fallback")
    return Degradation(
        translation_models=list({**used, **missing}),
        missing_translation=list(missing),
        untranslated_articles=untranslated,
        untranslated_languages=sorted(langs),
        summary_model=summary_missing[0] if summary_missing else None,
        fallback_stories=fallback,
        stories=len(summarised),
    )


def degradation(articles: dict[str, Article], stories: list[Story]) -> Degradation:
    """What the records of these stories say was missing: the models named by `not-translated` and summary
    fallback flags."""
    members = [articles[i] for s in stories for i in s.article_ids if i in articles]
    rows = [
        (
            a.lang,
            a.translation.model if a.translation else None,
            [f.message for f in a.flags if f.kind == "not-translated"],
        )
        for a in members
    ]
    return _build(rows, stories)


def degradation_of_run(manifest: dict[str, Any], stories: list[Story]) -> Degradation:
    """What a whole run lacked, from its manifest's included articles and its summarised stories."""
    rows = [
        (
            entry.get("lang") or "und",
            entry.get("translated_by"),
            [f["message"] for f in entry.get("flags", []) if f.get("kind") == "not-translated"],
        )
        for entry in manifest["inputs"]
        if entry["status"] == "included"
    ]
    return _build(rows, stories)


def run_degradation(run: Run) -> Degradation:
    """The degradation recorded in a run's manifest (not degraded when there is no manifest yet)."""
    if not run.outputs.exists(f"{run.key}/manifest.json"):
        return Degradation()
    return Degradation.from_dict(json.loads(run.read_output("manifest.json")).get("degraded"))


def subject_line(subject: str, run: Run) -> str:
    """The email subject, ending in `(degraded)` when the run lacked a model."""
    return f"{subject} (degraded)" if run_degradation(run).degraded else subject
