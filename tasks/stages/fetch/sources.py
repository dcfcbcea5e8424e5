"""The sources file: the feeds and pages a daily run fetches, validated, each with a stable id."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from tasks.article import stable_id


class SourcesError(ValueError):
    """A sources file that cannot be used; the message names the file and every problem in it."""


class SourceEntry(BaseModel):
    """One feed or page as written in the sources file."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    url: str = Field(description="http or https URL of the feed or page.")
    name: str | None = Field(None, min_length=1, description="Display name; its slug is the source id.")
    lang: str | None = Field(None, description="Expected language (ISO 639-1), a hint for detection.")
    tags: tuple[str, ...] = Field((), description="Region and topic tags, e.g. `[europe, economy]`.")
    limit: int | None = Field(None, ge=1, description="Most items taken from this feed per run.")

    @field_validator("url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        check_url(value)
        return value

    @field_validator("lang")
    @classmethod
    def _language_code(cls, value: str | None) -> str | None:
        if value is not None and not re.fullmatch(r"[a-z]{2,3}(-[A-Za-z0-9]{2,8})*", value):
            raise ValueError(f"not a language code like `fr` or `pt-BR`: {value!r}")
        return value


class Source(SourceEntry):
    """A feed or page to fetch."""

    kind: Literal["feed", "page"]

    @property
    def id(self) -> str:
        """Stable key: the slug of the name, else a hash of the URL (store keys, Airflow map index)."""
        slug = slugify(self.name or "")
        return slug or f"src-{stable_id(self.url, length=12)}"


class SourcesFile(BaseModel):
    """The whole file: a list of feeds and a list of pages."""

    model_config = ConfigDict(extra="forbid")

    feeds: list[SourceEntry] = Field(default_factory=list)
    pages: list[SourceEntry] = Field(default_factory=list)


def check_url(url: str) -> None:
    """Raise ValueError unless `url` is an absolute http or https URL with a host."""
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https"):
        raise ValueError(f"only http and https URLs are fetched, not {url!r}")
    if not parts.hostname or any(c.isspace() for c in url):
        raise ValueError(f"not a valid URL: {url!r}")


def slugify(text: str) -> str:
    """Lower-case ASCII letters, digits and single dashes (accents dropped), at most 60 characters."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:60].strip("-")


def _location(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


def parse_sources(data: object, origin: str = "sources") -> list[Source]:
    """Validate the parsed content of a sources file; feeds first, then pages, in file order."""
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise SourcesError(
            f"{origin}: expected a mapping with `feeds` and `pages`, got {type(data).__name__}"
        )
    try:
        parsed = SourcesFile.model_validate(data)
    except ValidationError as exc:
        problems = [f"{_location(e['loc'])}: {e['msg']}" for e in exc.errors()]
        raise SourcesError(f"{origin}: " + "; ".join(problems)) from None
    sources = [Source(kind="feed", **e.model_dump()) for e in parsed.feeds]
    sources += [Source(kind="page", **e.model_dump()) for e in parsed.pages]
    problems = []
    seen_ids: dict[str, str] = {}
    seen_urls: set[str] = set()
    for source in sources:
        if source.id in seen_ids:
            problems.append(
                f"{source.url}: id {source.id!r} (from its name) already used by {seen_ids[source.id]}"
            )
        if source.url in seen_urls:
            problems.append(f"{source.url}: listed twice")
        seen_ids.setdefault(source.id, source.url)
        seen_urls.add(source.url)
    if problems:
        raise SourcesError(f"{origin}: " + "; ".join(problems))
    return sources


def load_sources(path: str | Path) -> list[Source]:
    """Read and validate a YAML sources file (SourcesError says what is wrong and where)."""
    import yaml

    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise SourcesError(f"{path}: cannot read: {exc.strerror}") from None
    except yaml.YAMLError as exc:
        raise SourcesError(f"{path}: not valid YAML: {exc}") from None
    return parse_sources(data, str(path))
