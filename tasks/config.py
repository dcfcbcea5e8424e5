"""One typed configuration for every stage: defaults here, overridden by a TOML file and then by the CLI."""

from __future__ import annotations

import difflib
import ipaddress
import json
import re
import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SerializerFunctionWrapHandler,
    ValidationError,
    field_validator,
    model_serializer,
    model_validator,
)

from tasks.secrets import check_not_masked, mask, masked

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class Section(BaseModel):
    """A config section: unknown keys are errors, so a typo never passes silently.

    A password in a URL anywhere in it is a secret: masked in every serialised form (config.json, `briefing
    config`) and in repr and logs; the live value keeps it. Prefer a `${VAR}` reference, read when used.
    """

    model_config = ConfigDict(extra="forbid")

    @model_serializer(mode="wrap")
    def _mask_secrets(self, handler: SerializerFunctionWrapHandler) -> Any:
        return masked(handler(self))

    def __repr_args__(self) -> Any:
        for name, value in super().__repr_args__():
            yield name, masked(value)

    @model_validator(mode="after")
    def _no_masked_passwords(self) -> Section:
        for name in type(self).model_fields:
            value = getattr(self, name)
            for text in value if isinstance(value, list) else [value]:
                if isinstance(text, str):
                    check_not_masked(text, name)
        return self


class IngestConfig(Section):
    allowed_roots: list[str] = Field(
        default_factory=lambda: ["seeds"],
        description="Run parameters may only name inputs inside these folders (relative to the config file).",
    )
    max_bytes: int = Field(5_000_000, description="Inputs larger than this are rejected, not truncated.")
    max_chars: int = Field(
        100_000,
        ge=1000,
        description="Characters of text per article; a longer one is cut at a paragraph end (noted in the manifest).",
    )
    max_feed_items: int = Field(
        200,
        ge=1,
        description="Items read from one feed file; the rest are one rejected line in the manifest.",
    )
    shard_size: int = Field(
        500,
        ge=1,
        description="Articles per shard: each stage reads and writes one file per shard, one mapped task each.",
    )


class FetchConfig(Section):
    sources: str = Field(
        "", description="Sources file (YAML) of feeds and pages to fetch; empty: read only the `input` files."
    )
    user_agent: str = Field(
        "briefing/0.1 (multilingual news digest; daily batch fetcher)",
        description="Sent with every request; put a contact URL or address in it.",
    )
    timeout: float = Field(
        10.0, gt=0, description="Seconds to connect, and to wait for each read, per attempt."
    )
    deadline: float = Field(60.0, gt=0, description="Seconds for a whole response, however it trickles in.")
    retries: int = Field(
        2, ge=0, le=5, description="Extra attempts after a timeout, connection error, 429 or 5xx."
    )
    backoff: float = Field(1.0, ge=0, description="Seconds before the first retry, doubled each time.")
    backoff_max: float = Field(
        30.0, ge=0, description="Longest wait before a retry, even if Retry-After asks more."
    )
    max_bytes: int = Field(
        5_000_000, gt=0, description="Responses larger than this are abandoned, not truncated."
    )
    max_redirects: int = Field(5, ge=0, description="Redirects followed per request.")
    per_host_concurrency: int = Field(
        2, ge=1, description="Requests in flight at once to one host, per source."
    )
    max_items: int = Field(30, ge=1, description="Items taken from a feed whose source sets no `limit`.")
    max_feed_entries: int = Field(
        5000, ge=1, description="A feed with more items than this is rejected unparsed (parsing is the cost)."
    )
    allow_private_networks: list[str] = Field(
        default_factory=list,
        description="Networks (CIDR) that may be fetched although not public, e.g. an internal feed host "
        '`["10.20.0.0/16"]`; every other loopback, private, link-local or reserved address is refused.',
    )
    record_seen: bool = Field(
        True,
        description="Remember what this run reported (seen-store, feed state); on-demand runs set it to false "
        "so they never change what a later daily run reports.",
    )

    @field_validator("allow_private_networks")
    @classmethod
    def _cidr(cls, value: list[str]) -> list[str]:
        networks = []
        for cidr in value:
            try:
                networks.append(str(ipaddress.ip_network(cidr.strip(), strict=False)))
            except ValueError:
                raise ValueError(f"not a network in CIDR form like 10.20.0.0/16: {cidr!r}") from None
        return networks


# The news languages the translation routing has an opus-mt model for: what detection answers by default.
DEFAULT_LANGUAGES = (
    *("ar", "bg", "bs", "ca", "cs", "da", "de", "el", "en", "es", "et", "fa", "fi", "fr", "he", "hi", "hr"),
    *("hu", "id", "it", "ja", "ko", "lt", "lv", "mk", "nl", "no", "pl", "pt", "ro", "ru", "sk", "sl", "sr"),
    *("sv", "sw", "th", "tr", "uk", "ur", "vi", "zh"),
)


class DetectConfig(Section):
    languages: list[str] = Field(
        default_factory=lambda: list(DEFAULT_LANGUAGES),
        description="Languages the detectors may answer (ISO 639-1); other text is `und`.",
    )
    min_confidence: float = Field(0.7, description="Below this an answer is `und`, reliable: false.")
    lingua_accuracy: Literal["high", "low"] = Field(
        "high",
        description="lingua's models: high (about 850 MB for the default languages) or low (about 80 MB, "
        "about a point less on two-word phrases).",
    )
    uncertain_policy: Literal["multilingual", "mark"] = Field(
        "multilingual",
        description="Low-confidence articles: translate with the multilingual model, or only mark them.",
    )


class RepairConfig(Section):
    enabled: bool = True


class TranslateConfig(Section):
    model_template: str = Field(
        "Helsinki-NLP/opus-mt-{src}-en", description="Model id for a source language."
    )
    models: dict[str, str] = Field(
        default_factory=dict,
        description='Per-language overrides, `fr = "/models/opus-mt-fr-en"` (hub id or local path).',
    )
    fallback_model: str = Field("Helsinki-NLP/opus-mt-mul-en", description="For languages without a model.")
    backend: Literal["transformers", "ctranslate2"] = Field(
        "ctranslate2",
        description="ctranslate2 (converted once from the same model directory, cached beside it) or transformers.",
    )
    quantization: Literal["int8", "int8_float32", "float32"] = Field(
        "int8", description="CTranslate2 compute type (int8 is fastest on CPU; float32 matches transformers)."
    )
    inter_threads: int = Field(
        0, ge=0, description="CTranslate2 batches decoded in parallel; 0: one per core (at most 4)."
    )
    intra_threads: int = Field(
        0, ge=0, description="Threads per batch; 0: the cores this process may use, shared by inter_threads."
    )
    token_budget: int = Field(
        512, ge=1, description="Source tokens per batch, padding included (sentences are sorted by length)."
    )
    num_beams: int = 4
    max_input_tokens: int = Field(400, description="Longer sentences are split at clause boundaries.")
    max_new_tokens_ratio: float = Field(1.6, description="Output token cap per sentence, times input tokens.")
    max_new_tokens_min: int = 16
    min_new_tokens_ratio: float = Field(
        0.0, ge=0, description="Output token floor, times input tokens (0: none; benchmarks use it)."
    )
    check_output: bool = Field(
        True, description="Retry loops, far-off lengths and copied sentences once, then flag them."
    )
    retry_repetition_penalty: float = Field(1.3, ge=1, description="Repetition penalty of the retry.")
    retry_no_repeat_ngram_size: int = Field(
        3, ge=0, description="No repeated n-grams of this size in the retry."
    )
    span_min_confidence: float = Field(
        0.8,
        description="Detected spans in another language at least this confident go to that language's model.",
    )
    memory: bool = Field(True, description="Keep finished sentence translations in the store and reuse them.")


class StoriesConfig(Section):
    threshold: float = Field(
        0.2,
        description="Articles join one story when their mean similarity (shared names and numbers) reaches this.",
    )
    duplicate_threshold: float = Field(
        0.8, description="Word 3-gram containment at which an article is a republished copy of another."
    )
    time_half_life_hours: float = Field(
        24.0,
        description="Similarity halves for every this many hours between two articles' publication times.",
    )
    time_window_hours: float = Field(
        72.0, description="Articles published further apart than this are never in one story."
    )
    anchor_max_articles: int = Field(
        250,
        ge=2,
        description="A name or number found in more articles than this (a year, a small number) links none.",
    )
    weight_sources: float = Field(1.0, description="Rank weight of log2(number of sources).")
    weight_recency: float = Field(
        1.0, description="Rank weight of recency (1 for the newest story, halving)."
    )
    recency_half_life_hours: float = Field(24.0, description="Hours after which recency halves.")
    weight_topics: float = Field(2.0, description="Rank bonus of a story that mentions a configured topic.")
    topics: dict[str, list[str]] = Field(
        default_factory=dict,
        description='Topics or regions the desk follows, with keywords in any language: `iraq = ["Iraq", "Irak"]`.',
    )
    only_topics: bool = Field(
        False, description="Keep only the stories that mention a topic (set for a briefing with topics)."
    )
    track_days: int = Field(
        7, ge=1, le=60, description="Days back in the story archive a story may continue (link to a track)."
    )
    track_threshold: float = Field(
        0.25,
        description="A story continues an archived story when their anchor overlap (shared names and numbers, "
        "weighted as in grouping) reaches this.",
    )
    track_anchor_max_stories: int = Field(
        100,
        ge=1,
        description="Anchors found in more archived stories than this are too common to link days by.",
    )
    track_anchors: int = Field(
        80, ge=1, description="Names and numbers kept per archived story (the most widespread first)."
    )
    rising_factor: float = Field(
        2.0,
        gt=1,
        description="A track is rising when today's article count is at least this times its recent average.",
    )
    rising_percentile: float = Field(
        90.0,
        ge=0,
        le=100,
        description="A new story is rising when it has more articles than this percentile of today's stories.",
    )
    rising_min_articles: int = Field(
        3, ge=1, description="Fewest articles (republished copies included) of a rising story."
    )
    weight_rising: float = Field(1.5, description="Rank bonus of a rising story.")


class SummariseConfig(Section):
    model: str = "sshleifer/distilbart-cnn-12-6"
    stories_per_shard: int = Field(
        8, ge=1, description="Stories per summarise shard (one mapped task, one model load each)."
    )
    backend: Literal["transformers", "ctranslate2"] = Field(
        "ctranslate2", description="CTranslate2 (converted once, quantised) or transformers."
    )
    quantization: Literal["int8", "int8_float32", "float32"] = Field(
        "int8", description="CTranslate2 compute type (float32 matches transformers)."
    )
    threads: int = Field(0, ge=0, description="CTranslate2 threads; 0 lets it choose.")
    num_beams: int = 4
    min_new_tokens: int = 56
    max_new_tokens: int = 142
    length_penalty: float = 2.0
    no_repeat_ngram_size: int = 3
    max_input_tokens: int = Field(1024, description="The model window; longer inputs are chunked, never cut.")
    batch_tokens: int = Field(
        4096,
        description="Input tokens per generate call; the chunks of all stories of a batch are packed together.",
    )
    fuse_sources: bool = Field(
        False,
        description="Add sentences of the other English sources that carry names or numbers the best lacks.",
    )
    faithfulness: Literal["flag", "extractive"] = Field(
        "flag",
        description="A summary with names or numbers not in its source: flag it, or use the extractive summary.",
    )
    extractive_sentences: int = Field(3, description="Sentences in the extractive fallback.")
    extractive_max_words: int = Field(120, description="Word budget of the extractive fallback.")


class RenderConfig(Section):
    templates: list[str] = Field(
        default_factory=lambda: ["digest"],
        description="Allow-listed template names a run may ask for.",
    )
    title: str = "Briefing"
    max_stories: int = Field(
        30,
        ge=1,
        description="Stories shown in full (and summarised by the model); the page lists the rest compactly.",
    )
    collapse_unchanged: bool = Field(
        True,
        description="Stories reported in full yesterday with nothing new today are listed under "
        '"Still developing" at the end instead of repeated in full.',
    )


class DeliverConfig(Section):
    transport: str = Field(
        "outbox",
        description="`none`, `outbox` (files in outbox_dir), `outbox:DIR`, an smtp:// or smtps:// URL, "
        "or `airflow:CONN_ID` (an Airflow connection, in the DAGs). Give a password as a reference, "
        "`smtps://user:${SMTP_PASSWORD}@host` or `${BRIEFING_SMTP_URL}`: read from the environment when sending.",
    )
    outbox_dir: str = Field("", description="Folder for `.eml` files; empty means `<out>/outbox`.")
    sender: str = "briefing@localhost"
    recipients: list[str] = Field(default_factory=lambda: ["analyst@example.com"])
    allowed_recipient_domains: list[str] = Field(
        default_factory=list,
        description="Domains a triggered run may send to (exact match, e.g. `example.org`); empty: the "
        "domains of `recipients`. Any other recipient is refused when the run is triggered.",
    )
    subject: str = "Briefing for {date}"
    unsubscribe_url: str = Field(
        "https://briefing.example.org/unsubscribe?to={recipient}",
        description="https URL for one-click unsubscribe (RFC 8058; `{recipient}` is filled in): point it at "
        "your list's endpoint; empty: a mailto link only, without List-Unsubscribe-Post.",
    )
    pending_policy: Literal["resend", "hold"] = Field(
        "resend",
        description="A delivery left pending by a crash: resend with the same Message-ID, or hold it as failed.",
    )
    resend_updates: bool = Field(
        False,
        description="A second run on the same date whose digest changed: mail the updated digest (subject "
        "`Updated: ...`, threaded to the first message) instead of skipping recipients already sent to.",
    )
    retries: int = Field(2, ge=0, le=5, description="Extra attempts after a transient (4xx) failure.")
    retry_backoff: float = Field(2.0, ge=0, description="Seconds before the first retry, doubled each time.")
    smtp_timeout: float = Field(30.0, gt=0, description="Seconds to wait for the SMTP server.")


# The Airflow pool of the model-loading tasks (`models.pool_slots` of them at once, across the cluster).
MODEL_POOL = "briefing_models"


class ModelsConfig(Section):
    policy: Literal["fail", "degrade"] = Field(
        "degrade",
        description="When a model cannot be loaded: fail the run, or degrade (mark stories, extractive summaries).",
    )
    cache_size: int = Field(3, description="Models kept loaded per process (LRU).")
    hub_probe_timeout: float = Field(
        3.0, description="Seconds to wait for the Hub before calling it unreachable."
    )
    pool_slots: int = Field(
        1,
        ge=1,
        description="Airflow pool `briefing_models`: model-loading tasks that may run at once across the whole "
        "cluster, all workers together (each holds up to `cache_size` models; about 0.3 GiB per opus-mt model, "
        "1.2 GiB for distilbart); see docs/scaling.md.",
    )


class ApprovalConfig(Section):
    """When an on-demand run waits for an editor's approval in Airflow before sending."""

    on_demand: bool = Field(
        True,
        description="On-demand runs to more than `on_demand_recipient_limit` recipients wait for approval; "
        "false switches the rule off (a briefing with `approval = true` still waits).",
    )
    on_demand_recipient_limit: int = Field(
        10,
        ge=0,
        description="Recipients an on-demand run may mail without approval; 0: every on-demand run waits.",
    )
    timeout_hours: float = Field(
        12.0,
        gt=0,
        description="Hours an on-demand run waits for the editor before `timeout_outcome` applies.",
    )
    timeout_outcome: Literal["reject", "approve"] = Field(
        "reject", description="What an unanswered on-demand approval becomes."
    )


NAME_PATTERN = r"^[a-z][a-z0-9_]{0,39}$"


class BriefingConfig(Section):
    """One briefing of a deployment: its own schedule, selection, recipients, template and approval."""

    name: str = Field(
        pattern=NAME_PATTERN,
        description="Safe id (lower case, digits, _): DAG `briefing_<name>`, outputs `<out>/<date>_<name>/`.",
    )
    schedule: str = Field("0 6 * * *", description="Cron expression, in `timezone`.")
    timezone: str = Field("UTC", description="IANA time zone of the schedule, `Europe/Paris`.")
    title: str = Field("", description="Digest title; empty: the render title and the name.")
    sources: list[str] = Field(
        default_factory=list,
        description="Only articles whose source (file path or source id) contains one of these; empty: all.",
    )
    topics: dict[str, list[str]] = Field(
        default_factory=dict,
        description="Only stories that mention one of these topics (keywords in any language); empty: all.",
    )
    languages: list[str] = Field(
        default_factory=list, description="Only articles detected in these languages (ISO 639-1); empty: all."
    )
    recipients: list[str] = Field(default_factory=list, description="Who receives this briefing.")
    subject: str = Field("", description="Email subject (`{date}` is filled in); empty: deliver.subject.")
    template: str = Field("digest", description="Template, one of render.templates.")
    max_stories: int = Field(0, ge=0, description="Stories shown in full; 0: render.max_stories.")
    approval: bool = Field(False, description="Wait for an editor's approval in Airflow before sending.")
    approval_timeout_hours: float = Field(
        12.0, gt=0, description="Hours to wait for the editor before the timeout outcome applies."
    )
    timeout_outcome: Literal["reject", "approve"] = Field(
        "reject", description="What an unanswered approval becomes."
    )

    @field_validator("schedule")
    @classmethod
    def _cron(cls, value: str) -> str:
        if len(value.split()) != 5:
            raise ValueError(f"not a five-field cron expression: {value!r}")
        return value

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone: {value!r}") from exc
        return value

    @field_validator("recipients")
    @classmethod
    def _safe_recipients(cls, value: list[str]) -> list[str]:
        for recipient in value:
            if not re.fullmatch(r"[^@\s]+@[^@\s]+", recipient):
                raise ValueError(f"not an email address: {recipient!r}")
        return value


class Config(Section):
    """The resolved configuration of a run, saved beside its outputs."""

    input: list[str] = Field(default_factory=lambda: ["seeds"], description="Files or folders to ingest.")
    out: str = Field("out", description="Digests go to `<out>/<date>/`.")
    store: str = Field("", description="Run store URL or path; empty means `<out>/.store`.")
    ingest: IngestConfig = Field(default_factory=IngestConfig)
    fetch: FetchConfig = Field(default_factory=FetchConfig)
    detect: DetectConfig = Field(default_factory=DetectConfig)
    repair: RepairConfig = Field(default_factory=RepairConfig)
    translate: TranslateConfig = Field(default_factory=TranslateConfig)
    stories: StoriesConfig = Field(default_factory=StoriesConfig)
    summarise: SummariseConfig = Field(default_factory=SummariseConfig)
    render: RenderConfig = Field(default_factory=RenderConfig)
    deliver: DeliverConfig = Field(default_factory=DeliverConfig)
    models: ModelsConfig = Field(default_factory=ModelsConfig)
    approval: ApprovalConfig = Field(default_factory=ApprovalConfig)
    articles_schedule: str = Field(
        "0 5 * * *",
        description="With [[briefings]]: cron (UTC) of `briefing_articles`, the shared fetch, ingest, detect, "
        "translate and repair every briefing of the day reads.",
    )
    briefings: list[BriefingConfig] = Field(
        default_factory=list,
        description="Briefings, each its own DAG; none: the one `daily_briefing`.",
    )

    @field_validator("briefings")
    @classmethod
    def _unique_names(cls, value: list[BriefingConfig]) -> list[BriefingConfig]:
        names = [b.name for b in value]
        if "articles" in names:
            raise ValueError("briefing name 'articles' is reserved for the shared run")
        if len(set(names)) != len(names):
            raise ValueError(f"briefing names must be unique: {names}")
        return value

    @model_validator(mode="after")
    def _known_templates(self) -> Config:
        for briefing in self.briefings:
            if briefing.template not in self.render.templates:
                raise ValueError(
                    f"briefing {briefing.name!r}: template {briefing.template!r} not in render.templates"
                )
        return self

    @property
    def store_url(self) -> str:
        """Where the run store lives."""
        return self.store or str(Path(self.out) / ".store")


def _merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _resolve_paths(data: dict[str, Any], base: Path) -> dict[str, Any]:
    """Relative paths in a config file are relative to that file, not to the caller's directory."""

    def fix(value: str) -> str:
        if not value or "://" in value or Path(value).is_absolute():
            return value
        return str((base / value).resolve())

    data = dict(data)
    if "input" in data:
        data["input"] = [fix(p) for p in data["input"]]
    for key in ("out", "store"):
        if data.get(key):
            data[key] = fix(data[key])
    for section, key in (("ingest", "allowed_roots"), ("deliver", "outbox_dir"), ("fetch", "sources")):
        if section in data and key in data[section]:
            value = data[section][key]
            data[section] = {
                **data[section],
                key: [fix(v) for v in value] if isinstance(value, list) else fix(value),
            }
    return data


class ConfigError(ValueError):
    """A configuration file or override that cannot be used; the message names the file and the key."""


def _explain(exc: ValidationError, where: str) -> ConfigError:
    problems = []
    for error in exc.errors()[:5]:
        key = ".".join(str(part) for part in error["loc"])
        if error["type"] == "extra_forbidden":
            section: Any = Config
            for part in error["loc"][:-1]:
                section = getattr(section, "model_fields", {}).get(str(part))
                section = section.annotation if section is not None else None
            known = list(getattr(section, "model_fields", {}))
            close = difflib.get_close_matches(str(error["loc"][-1]), known, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            problems.append(f"unknown key {key!r}{hint}")
        else:
            problems.append(f"{key}: {error['msg']}")
    more = f" (and {len(exc.errors()) - 5} more)" if len(exc.errors()) > 5 else ""
    return ConfigError(f"{where}: " + "; ".join(problems) + more)


def load_config(path: str | Path | None = None, overrides: dict[str, Any] | None = None) -> Config:
    """Defaults, then the TOML file (if any), then overrides (same schema as the file).

    Raises ConfigError naming the file (or the overrides) and the key when something does not fit.
    """
    data: dict[str, Any] = _resolve_paths(Config().model_dump(), PROJECT_ROOT)
    if path is not None:
        path = Path(path)
        try:
            with path.open("rb") as fh:
                data = _merge(data, _resolve_paths(tomllib.load(fh), path.resolve().parent))
        except OSError as exc:
            raise ConfigError(f"config file {str(path)!r}: {exc.strerror or exc}") from exc
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"config file {str(path)!r} is not valid TOML: {exc}") from exc
        try:
            Config.model_validate(data)
        except ValidationError as exc:
            raise _explain(exc, f"config file {str(path)!r}") from exc
    if overrides:
        data = _merge(data, overrides)
    try:
        return Config.model_validate(data)
    except ValidationError as exc:
        raise _explain(exc, "configuration (command-line options or run parameters)") from exc


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(mask(value), ensure_ascii=False)
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{json.dumps(k)} = {_toml_value(v)}" for k, v in value.items()) + "}"
    raise TypeError(f"cannot write {type(value).__name__} to TOML")


def to_toml(config: BaseModel) -> str:
    """The config as TOML, each key preceded by its description: the schema, documented, in one file."""
    lines: list[str] = []
    sections: list[tuple[str, BaseModel]] = []
    tables: list[tuple[str, str | None, list[BaseModel]]] = []
    for name, field in type(config).model_fields.items():
        value = getattr(config, name)
        if isinstance(value, BaseModel):
            sections.append((name, value))
            continue
        if name in _TABLE_ARRAYS:
            tables.append((name, field.description, value))
            continue
        if field.description:
            lines.append(f"# {field.description}")
        lines.append(f"{name} = {_toml_value(value)}")
    for name, section in sections:
        lines.append("")
        lines.append(f"[{name}]")
        lines.extend(to_toml(section).splitlines())
    for name, description, items in tables:
        lines.append("")
        lines.append(f"# {description}")
        if not items:  # documented as a commented-out example, so the defaults stay "no briefings"
            lines.extend("# " + line if line else "#" for line in _table_example(name).splitlines())
        for item in items:
            lines.append(f"[[{name}]]")
            lines.extend(to_toml(item).splitlines())
    return "\n".join(lines).strip() + "\n"


_TABLE_ARRAYS = {"briefings": BriefingConfig}


def _table_example(name: str) -> str:
    example = _TABLE_ARRAYS[name].model_validate(
        {
            "name": "middle_east",
            "topics": {"iraq": ["Iraq", "Irak", "العراق"]},
            "recipients": ["desk@example.org"],
        }
    )
    return f"[[{name}]]\n" + to_toml(example)
