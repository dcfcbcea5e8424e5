"""Secrets in the configuration: passwords in URLs are never shown, and `${VAR}` references are read late."""

from __future__ import annotations

import os
import re
from typing import Any

MASK = "***"
REFERENCE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
# `scheme://user:password@`: the password runs to the last `@` (a raw `@` in it must not leave a tail visible).
_USERINFO = re.compile(r"(?P<head>[A-Za-z][A-Za-z0-9+.-]*://[^/@:\s]*):(?P<password>.*)@")


class SecretError(ValueError):
    """A secret that cannot be used: a reference to an unset variable, or a password masked when written."""


def mask(text: str) -> str:
    """`text` with the password of any URL in it replaced by `***`; a `${VAR}` reference is kept (it is no secret)."""

    def hide(match: re.Match[str]) -> str:
        password = match["password"]
        if REFERENCE.fullmatch(password):
            return match[0]
        return f"{match['head']}:{MASK}@"

    return _USERINFO.sub(hide, text)


def masked(value: Any) -> Any:
    """`value` with every string in it (through lists, tuples and dicts) masked."""
    if isinstance(value, str):
        return mask(value)
    if isinstance(value, list | tuple):
        return type(value)(masked(v) for v in value)
    if isinstance(value, dict):
        return {k: masked(v) for k, v in value.items()}
    return value


def check_not_masked(text: str, where: str) -> str:
    """`text`, unless it holds a password that was masked when a configuration was written out."""
    match = _USERINFO.search(text)
    if match and match["password"] == MASK:
        raise SecretError(
            f"{where}: the password in this URL was masked ({MASK}) when the configuration was written out; "
            "give it as an environment variable reference like smtps://user:${SMTP_PASSWORD}@host, "
            "or use an Airflow connection (airflow:CONN_ID)"
        )
    return text


def expand(text: str, where: str = "the configuration") -> str:
    """`text` with each `${NAME}` replaced by the environment variable NAME (SecretError if it is not set)."""

    def value(match: re.Match[str]) -> str:
        name = match[1]
        if name not in os.environ:
            raise SecretError(f"{where} refers to ${{{name}}}, which is not set in the environment")
        return os.environ[name]

    return REFERENCE.sub(value, text)
