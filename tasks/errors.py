"""Exit codes and one-line messages for the mistakes a user can make (tracebacks only with `--debug`)."""

from __future__ import annotations

# The exit codes of the `briefing` command; README § Exit codes lists the same table.
EXIT_CODES = {
    0: "the run finished (a degraded run too: its last line says what is missing)",
    1: "an unexpected error (a bug): rerun with --debug and report the traceback",
    2: "a bad command-line option or run parameter (date, template, recipient, model spec)",
    3: "a delivery failed for at least one recipient",
    4: "the configuration file (or an override) has an unknown key or a bad value",
    5: "no such run: a stage command named a run that was never started",
    6: "no article: none of the inputs given could be read",
    7: "a model could not be obtained (`--model-policy fail`, a model named on the command line, `models pull`)",
    8: "a file or folder could not be read or written",
}


class UserError(Exception):
    """A mistake the user can fix; the message says what and how, the exit code says which kind."""

    exit_code = 2


def explain(exc: BaseException) -> tuple[int, str]:
    """The exit code and the one-line message for an exception that reached the command line."""
    from tasks.config import ConfigError
    from tasks.delivery.email_message import DeliveryError
    from tasks.models.loading import ModelUnavailable
    from tasks.pipeline import RunParameterError
    from tasks.runs import NoSuchRun
    from tasks.stages.fetch.sources import SourcesError
    from tasks.stages.ingest import NoArticles
    from tasks.stages.render import UnknownTemplate

    if isinstance(exc, UserError):
        return exc.exit_code, str(exc)
    if isinstance(exc, ConfigError):
        return 4, str(exc)
    if isinstance(exc, NoSuchRun):
        return 5, str(exc)
    if isinstance(exc, NoArticles):
        return 6, str(exc)
    if isinstance(exc, ModelUnavailable):
        return 7, str(exc)
    if isinstance(exc, RunParameterError | SourcesError | DeliveryError | UnknownTemplate):
        return 2, str(exc)
    if isinstance(exc, OSError):  # `[Errno 28] No space left on device: 'path'`: what failed, and where
        return 8, str(exc)
    name = type(exc).__name__
    return 1, f"unexpected {name}: {exc} (rerun with --debug for the traceback, and report it)"
