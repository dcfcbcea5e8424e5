"""What ingest reports: a rejection's reason, each input's fate, and the articles read."""

from __future__ import annotations

from dataclasses import dataclass, field

from tasks.article import Article


class NoArticles(ValueError):
    """Not one article could be read from the inputs: the run stops before anything is sent."""

    def __init__(self, paths: list[str], reasons: list[str]) -> None:
        self.paths = paths
        listed = ", ".join(repr(p) for p in paths) or "(none)"
        why = "; ".join(dict.fromkeys(reasons)) or "nothing to read"
        super().__init__(
            f"no article in the inputs given ({listed}): {why}. Check the paths (`--input`, `input` in the "
            "config); nothing was sent"
        )


class Rejected(ValueError):
    """An input that cannot become an article; the message is the reason shown in the manifest."""

    def __init__(self, reason: str, source: str | None = None) -> None:
        super().__init__(reason)
        self.source = source


@dataclass
class InputReport:
    """The fate of one input unit (a file, or one item of a feed or JSON list)."""

    source: str
    status: str  # included | rejected | duplicate
    reason: str = ""
    article_id: str | None = None
    duplicate_of: str | None = None
    notes: list[str] = field(default_factory=list)


@dataclass
class IngestResult:
    """Articles read, and a report line for every input unit."""

    articles: list[Article]
    report: list[InputReport]
