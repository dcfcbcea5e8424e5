"""Which model translates which language into English: overrides, the naming template, the fallback."""

from __future__ import annotations

from tasks.config import TranslateConfig

MULTILINGUAL = "mul"


def route(lang: str, config: TranslateConfig) -> str:
    """The model that translates `lang` into English (override, else the naming template)."""
    if lang == MULTILINGUAL:
        return config.fallback_model
    return config.models.get(lang) or config.model_template.format(src=lang)


def candidates(lang: str, config: TranslateConfig) -> list[str]:
    """Models to try for `lang`, in order: its own, then the multilingual fallback."""
    return list(dict.fromkeys([route(lang, config), config.fallback_model]))


def routing_table(languages: list[str], config: TranslateConfig) -> list[tuple[str, str]]:
    """`(language, model)` for each non-English language, then `("fallback", model)`."""
    rows = [(lang, route(lang, config)) for lang in languages if lang != "en"]
    return [*rows, ("fallback", config.fallback_model)]
