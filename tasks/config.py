"""One typed configuration for every stage: defaults here, overridden by a TOML file and then by the CLI."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class Section(BaseModel):
    """A config section: unknown keys are errors, so a typo never passes silently."""

    model_config = ConfigDict(extra="forbid")


class IngestConfig(Section):
    allowed_roots: list[str] = Field(
        default_factory=lambda: ["seeds"],
        description="Run parameters may only name inputs inside these folders (relative to the config file).",
    )
    max_bytes: int = Field(5_000_000, description="Inputs larger than this are rejected, not truncated.")
    batch_size: int = Field(8, description="Articles per mapped batch (one model load per batch).")


class DetectConfig(Section):
    languages: list[str] = Field(
        default_factory=lambda: ["ar", "de", "en", "es", "fr", "it", "nl", "pl", "pt", "ru", "tr", "zh"],
        description="Languages the detectors may answer (ISO 639-1).",
    )
    min_confidence: float = Field(0.7, description="Below this an answer is `und`, reliable: false.")
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
    backend: Literal["transformers", "ctranslate2"] = "transformers"
    num_beams: int = 4
    batch_size: int = Field(16, description="Sentences per generate call.")
    max_input_tokens: int = Field(400, description="Longer sentences are split at clause boundaries.")
    max_new_tokens_ratio: float = Field(1.6, description="Output token cap per sentence, times input tokens.")
    max_new_tokens_min: int = 16


class SummariseConfig(Section):
    model: str = "sshleifer/distilbart-cnn-12-6"
    num_beams: int = 4
    min_new_tokens: int = 20
    max_new_tokens: int = 142
    max_input_tokens: int = Field(1024, description="The model window; longer inputs are chunked, never cut.")
    extractive_sentences: int = Field(3, description="Lead sentences in the extractive fallback.")


class RenderConfig(Section):
    templates: list[str] = Field(
        default_factory=lambda: ["digest"],
        description="Allow-listed template names a run may ask for.",
    )
    title: str = "Briefing"


class DeliverConfig(Section):
    transport: str = Field("outbox", description="`none`, `outbox` (files in outbox_dir) or an smtp:// URL.")
    outbox_dir: str = Field("", description="Folder for `.eml` files; empty means `<out>/outbox`.")
    sender: str = "briefing@localhost"
    recipients: list[str] = Field(default_factory=lambda: ["analyst@example.com"])
    subject: str = "Briefing for {date}"


class ModelsConfig(Section):
    policy: Literal["fail", "degrade"] = Field(
        "degrade",
        description="When a model cannot be loaded: fail the run, or degrade (mark stories, extractive summaries).",
    )
    cache_size: int = Field(3, description="Models kept loaded per process (LRU).")
    hub_probe_timeout: float = Field(
        3.0, description="Seconds to wait for the Hub before calling it unreachable."
    )


class Config(Section):
    """The resolved configuration of a run, saved beside its outputs."""

    input: list[str] = Field(default_factory=lambda: ["seeds"], description="Files or folders to ingest.")
    out: str = Field("out", description="Digests go to `<out>/<date>/`.")
    store: str = Field("", description="Run store URL or path; empty means `<out>/.store`.")
    ingest: IngestConfig = Field(default_factory=IngestConfig)
    detect: DetectConfig = Field(default_factory=DetectConfig)
    repair: RepairConfig = Field(default_factory=RepairConfig)
    translate: TranslateConfig = Field(default_factory=TranslateConfig)
    summarise: SummariseConfig = Field(default_factory=SummariseConfig)
    render: RenderConfig = Field(default_factory=RenderConfig)
    deliver: DeliverConfig = Field(default_factory=DeliverConfig)
    models: ModelsConfig = Field(default_factory=ModelsConfig)

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
    for section, key in (("ingest", "allowed_roots"), ("deliver", "outbox_dir")):
        if section in data and key in data[section]:
            value = data[section][key]
            data[section] = {
                **data[section],
                key: [fix(v) for v in value] if isinstance(value, list) else fix(value),
            }
    return data


def load_config(path: str | Path | None = None, overrides: dict[str, Any] | None = None) -> Config:
    """Defaults, then the TOML file (if any), then overrides (same schema as the file)."""
    data: dict[str, Any] = _resolve_paths(Config().model_dump(), PROJECT_ROOT)
    if path is not None:
        path = Path(path)
        with path.open("rb") as fh:
            data = _merge(data, _resolve_paths(tomllib.load(fh), path.resolve().parent))
    if overrides:
        data = _merge(data, overrides)
    return Config.model_validate(data)


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{json.dumps(k)} = {_toml_value(v)}" for k, v in value.items()) + "}"
    raise TypeError(f"cannot write {type(value).__name__} to TOML")


def to_toml(config: BaseModel) -> str:
    """The config as TOML, each key preceded by its description: the schema, documented, in one file."""
    lines: list[str] = []
    sections: list[tuple[str, BaseModel]] = []
    for name, field in type(config).model_fields.items():
        value = getattr(config, name)
        if isinstance(value, BaseModel):
            sections.append((name, value))
            continue
        if field.description:
            lines.append(f"# {field.description}")
        lines.append(f"{name} = {_toml_value(value)}")
    for name, section in sections:
        lines.append("")
        lines.append(f"[{name}]")
        lines.extend(to_toml(section).splitlines())
    return "\n".join(lines).strip() + "\n"
