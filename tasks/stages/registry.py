"""The stage registry: every stage of a run, in order, declared once for the CLI, the runner and the DAGs.

This module imports nothing heavy (the DAG files read it at parse time); each step imports its stage module
when it is called. A step takes records and returns records: stores, models and the translation memory are
handed in through the `Context`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from tasks.article import Article, Story
    from tasks.config import Config
    from tasks.models.loading import ModelCache
    from tasks.storage.memory import TranslationMemory

# How the runner and the DAG factory drive a stage:
#   sources   one call per configured HTTP source (mapped), before ingest
#   read      the inputs into article shards (one call); returns the shard indices
#   articles  one call per article shard (mapped): articles in, articles out
#   group     every article at once (one call): stories out, the top ones cut into story shards
#   stories   one call per story shard (mapped): stories and their member articles in, stories out
#   write     the digest and manifest, streamed from the shards (one call)
#   send      the emails (one call)
Kind = Literal["sources", "read", "articles", "group", "stories", "write", "send"]


@dataclass
class Context:
    """What a step is handed: the run's config and date, and the shared resources it may use."""

    config: Config
    date: str
    models: ModelCache | None = None
    memory: TranslationMemory | None = None


@dataclass(frozen=True)
class Stage:
    """One registered stage: its name, how it is driven, its step (for record stages) and its needs."""

    name: str
    kind: Kind
    doc: str
    step: Callable[..., Any] | None = None
    uses_models: bool = False


def _detect(articles: list[Article], ctx: Context) -> list[Article]:
    from tasks.stages.detect import detect_articles

    return detect_articles(articles, ctx.config.detect)


def _translate(articles: list[Article], ctx: Context) -> list[Article]:
    from tasks.stages.translate import translate_articles

    return translate_articles(articles, ctx.config, ctx.models, memory=ctx.memory)


def _repair(articles: list[Article], ctx: Context) -> list[Article]:
    from tasks.stages.repair import repair_articles

    return repair_articles(articles, ctx.config.repair)


def _stories(articles: Iterable[Article], ctx: Context) -> list[Story]:
    from tasks.stages.stories import build_stories

    return build_stories(list(articles), ctx.config.stories)


def _summarise(stories: list[Story], articles: dict[str, Article], ctx: Context) -> list[Story]:
    from tasks.stages.summarise import summarise_stories

    return summarise_stories(stories, articles, ctx.config, ctx.models)


STAGES: tuple[Stage, ...] = (
    Stage("fetch", "sources", "Fetch one HTTP source (new and updated items only)."),
    Stage("ingest", "read", "Read the input files and fetched sources into article shards."),
    Stage("detect", "articles", "Detect the language of each article.", _detect),
    Stage("translate", "articles", "Translate non-English text into English.", _translate, uses_models=True),
    Stage("repair", "articles", "Repair machine-translation artefacts in English text.", _repair),
    Stage("stories", "group", "Group articles into ranked stories across languages.", _stories),
    Stage("summarise", "stories", "Summarise the stories a reader will see.", _summarise, uses_models=True),
    Stage("render", "write", "Render the digest, page, manifest and report."),
    Stage("deliver", "send", "Email the digest once per recipient."),
)
BY_NAME: dict[str, Stage] = {stage.name: stage for stage in STAGES}
ARTICLE_STAGES: tuple[Stage, ...] = tuple(s for s in STAGES if s.kind == "articles")


def previous_article_stage(stage: Stage) -> str:
    """The stage whose article shards `stage` reads (ingest for the first article stage)."""
    index = ARTICLE_STAGES.index(stage)
    return ARTICLE_STAGES[index - 1].name if index else "ingest"


def final_article_stage() -> str:
    """The stage whose article shards hold every article as the run leaves it."""
    return ARTICLE_STAGES[-1].name
