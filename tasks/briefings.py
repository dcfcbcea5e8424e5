"""Briefings: the day's shared run, each briefing's selection of it, its own run, and the editor's approval."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from tasks.config import BriefingConfig, Config

if TYPE_CHECKING:
    from tasks.article import Article, Story
    from tasks.delivery.transports import Transport
    from tasks.pipeline import Run

SHARED_NAME = "articles"  # the shared run's key is `<date>_articles` (a reserved briefing name)
SHARED_MARKER = "shared.json"


def find_briefing(config: Config, name: str) -> BriefingConfig:
    """The configured briefing called `name` (a clear error naming the known ones otherwise)."""
    for briefing in config.briefings:
        if briefing.name == name:
            return briefing
    known = ", ".join(b.name for b in config.briefings) or "none"
    raise KeyError(f"no briefing {name!r} in the config (configured: {known})")


def briefing_overrides(config: Config, briefing: BriefingConfig) -> dict[str, dict[str, Any]]:
    """The config sections a briefing changes for its own run (JSON-safe: they travel through XCom)."""
    overrides: dict[str, dict[str, Any]] = {
        "stories": {"topics": briefing.topics or config.stories.topics, "only_topics": bool(briefing.topics)},
        "render": {"title": briefing.title or f"{config.render.title}: {briefing.name.replace('_', ' ')}"},
        "deliver": {"recipients": list(briefing.recipients)},
    }
    if briefing.subject:
        overrides["deliver"]["subject"] = briefing.subject
    if briefing.max_stories:
        overrides["render"]["max_stories"] = briefing.max_stories
    return overrides


def briefing_config(config: Config, briefing: BriefingConfig) -> Config:
    """The config of one briefing's run: the deployment's, with the briefing's sections changed."""
    update = {
        section: getattr(config, section).model_copy(update=values)
        for section, values in briefing_overrides(config, briefing).items()
    }
    return config.model_copy(update=update)


def select_articles(articles: Iterable[Article], languages: list[str], sources: list[str]) -> list[Article]:
    """The articles a briefing reads: in one of its languages and from one of its sources (empty: any)."""
    return [
        a
        for a in articles
        if (not languages or a.lang in languages) and (not sources or any(s in a.source for s in sources))
    ]


def select_stories(
    stories: list[Story], articles: dict[str, Article], topics: dict[str, list[str]]
) -> list[Story]:
    """The stories that mention one of the topics (keywords in any language, in any member article)."""
    from tasks.stages.stories.ranking import topic_hits

    if not topics:
        return list(stories)
    return [s for s in stories if topic_hits([articles[i] for i in s.article_ids if i in articles], topics)]


def shared_run(config: Config, date: str) -> Run:
    """The day's shared run (fetch, ingest, detect, translate, repair) that every briefing reads."""
    from tasks.pipeline import open_run

    return open_run(config, date, SHARED_NAME)


def shared_done(run: Run) -> bool:
    """Whether the day's shared stages have finished (the marker the briefings wait on)."""
    return run.store.exists(SHARED_MARKER)


def mark_shared_done(run: Run) -> dict[str, Any]:
    """Record that the shared stages finished: how many articles, in how many shards."""
    from tasks.stages.registry import final_article_stage

    marker = {"date": run.date, "shards": len(run.shards(final_article_stage()).indices())}
    run.store.put_json(SHARED_MARKER, marker)
    return marker


def run_shared(run: Run, force: bool = False) -> bool:
    """Every shared stage, in the registry's order, once a day; returns False when they had already run."""
    from tasks.pipeline import list_sources, run_fetch, run_ingest, run_shards
    from tasks.stages.registry import SHARED_STAGES

    if shared_done(run) and not force:
        return False
    shards: list[int] = []
    for stage in SHARED_STAGES:
        if stage.kind == "sources":
            for source in list_sources(run):
                run_fetch(run, source)
        elif stage.kind == "read":
            shards = run_ingest(run)
        elif stage.kind == "articles":
            run_shards(run, stage, shards, force)
    mark_shared_done(run)
    return True


def run_select(shared: Run, run: Run, briefing: BriefingConfig) -> int:
    """Copy the briefing's articles from the shared run into its own; the others are marked in its manifest."""
    from tasks.article import article_from_dict, to_dict
    from tasks.stages.registry import final_article_stage

    stage = final_article_stage()
    source, target = shared.shards(stage), run.shards(stage)
    kept: set[str] = set()
    indices = source.indices()
    for index in indices:
        articles = [article_from_dict(r) for r in source.read(index)]
        chosen = select_articles(articles, briefing.languages, briefing.sources)
        kept.update(a.id for a in chosen)
        target.write(index, map(to_dict, chosen))
    for index in target.indices():  # a smaller shared run leaves none of yesterday's shards behind
        if index not in indices:
            run.store.store.delete(target.key(index))
    lines = shared.store.get_json("ingest.json")
    for line in lines:
        if line["status"] == "included" and line.get("article_id") not in kept:
            line.update(
                status="not selected", reason=f"not in briefing {briefing.name!r}'s languages or sources"
            )
    run.store.put_json("ingest.json", lines)
    return len(kept)


def on_demand_approval(
    config: Config, recipients: list[str], briefing: BriefingConfig | None = None
) -> dict[str, Any]:
    """Whether an on-demand run must wait for an editor's approval before sending, and why (or why not)."""
    rule, count = config.approval, _count(len(recipients), "recipient")
    limit = f"approval.on_demand_recipient_limit ({rule.on_demand_recipient_limit})"
    if briefing is not None and briefing.approval:
        return {"required": True, "why": f"briefing {briefing.name!r} requires approval"}
    if not rule.on_demand:
        return {"required": False, "why": "approval.on_demand is off"}
    if len(recipients) > rule.on_demand_recipient_limit:
        return {"required": True, "why": f"{count}, more than {limit}"}
    return {"required": False, "why": f"{count}, within {limit}"}


def on_demand_name(config: Config, run_id: str, briefing: str | None = None) -> str:
    """The run name of an on-demand run, never the key of a scheduled briefing (`<date>_<name>`) nor the shared run's.

    A briefing's on-demand run is `<name>-<run id>` (briefing names hold no `-`); a plain one is its run id, unless
    that id is, or looks like, such a name.
    """
    from tasks.pipeline import run_slug

    if briefing:
        return f"{briefing}-{run_id}"
    taken = {b.name for b in config.briefings} | {SHARED_NAME}
    if run_slug(run_id).split("-", 1)[0] in taken:
        return f"on-demand-{run_id}"
    return run_id


def on_demand_args(config: Config, params: dict[str, Any], run_id: str) -> dict[str, Any]:
    """An on-demand run's arguments from its Params: the chosen briefing's settings (if any), overridden by the
    explicit Params, and whether it needs approval. Bad Params raise (KeyError, RunParameterError, DeliveryError).
    """
    from tasks.delivery.recipients import check_recipients
    from tasks.pipeline import RunParameterError, check_inputs

    briefing = find_briefing(config, params["briefing"]) if params.get("briefing") else None
    overrides: dict[str, Any] = briefing_overrides(config, briefing) if briefing else {}
    overrides["fetch"] = {"record_seen": False}  # never changes what a later daily run reports
    args: dict[str, Any] = {"name": on_demand_name(config, run_id, briefing and briefing.name)}
    if params.get("inputs"):
        overrides["input"] = check_inputs(params["inputs"], config.ingest.allowed_roots)
    if params.get("languages"):
        overrides["detect"] = {"languages": params["languages"]}
    if params.get("recipients"):
        configured = config.deliver.recipients + (briefing.recipients if briefing else [])
        recipients = check_recipients(
            params["recipients"], config.deliver.allowed_recipient_domains, configured
        )
        overrides.setdefault("deliver", {})["recipients"] = recipients
    template = params.get("template") or (briefing.template if briefing else "digest")
    if template not in config.render.templates:
        raise RunParameterError(f"template {template!r} is not allowed")
    if briefing:
        languages = params.get("languages") or briefing.languages
        args["select"] = {"briefing": briefing.name, "languages": languages, "sources": briefing.sources}
    # Decided here, after the Params, so no Param can turn it off; the DAG's branch reads it.
    recipients = overrides.get("deliver", {}).get("recipients", config.deliver.recipients)
    args.update(
        template=template, overrides=overrides, approval=on_demand_approval(config, recipients, briefing)
    )
    return args


def _count(number: int, one: str, many: str = "") -> str:
    return f"{number} {one if number == 1 else many or one + 's'}"


def _shown_path(path: str) -> str:
    """A path inside the project relative to it (`out/...`), any other as it is."""
    from pathlib import Path

    from tasks.config import PROJECT_ROOT

    try:
        return str(Path(path).resolve().relative_to(PROJECT_ROOT))
    except ValueError:
        return path


def approval_note(run: Run, page: str, why: str = "", limit: int = 30) -> str:
    """What the editor sees before approving: the stories of the digest and where its page is (Markdown)."""
    manifest = json.loads(run.read_output("manifest.json"))
    recipients = run.config.deliver.recipients
    lines = [
        f"**{run.config.render.title}** for {run.date}: {_count(len(manifest['stories']), 'story', 'stories')}, "
        f"to {_count(len(recipients), 'recipient')}: {', '.join(recipients)}.",
        "",
        f"Page: `{_shown_path(page)}`",
        "",
    ]
    if why:
        lines[1:1] = ["", f"Approval needed: {why}."]
    for number, story in enumerate(manifest["stories"][:limit], 1):
        headline = " ".join(story["headline"].split()).replace("[", "(").replace("]", ")")
        lines.append(f"{number}. {headline} ({_count(len(story['articles']), 'source')})")
    return "\n".join(lines)


def record_approval(run: Run, decision: dict[str, Any]) -> dict[str, Any]:
    """Write the editor's decision (approved, rejected or timed out, by whom, why) into the run's manifest."""
    manifest = json.loads(run.read_output("manifest.json"))
    manifest["approval"] = decision
    run.write_output("manifest.json", json.dumps(manifest, ensure_ascii=False, indent=1))
    return decision


def decision_from_response(response: dict[str, Any] | None, timeout_outcome: str) -> dict[str, Any]:
    """The approval decision from the human-in-the-loop step's result (no responder: it timed out)."""
    response = response or {}
    chosen = list(response.get("chosen_options") or [])
    user = response.get("responded_by_user")
    approved = chosen == ["Approve"]
    reason = str((response.get("params_input") or {}).get("reason") or "").strip()
    if not user:
        return {
            "status": "timed out",
            "approved": timeout_outcome == "approve",
            "by": None,
            "reason": reason or f"no answer before the timeout: {timeout_outcome}",
        }
    by = user.get("name") or user.get("id") if isinstance(user, dict) else str(user)
    return {
        "status": "approved" if approved else "rejected",
        "approved": approved,
        "by": by,
        "reason": reason or ("" if approved else "rejected without a reason"),
    }


def run_briefing(
    config: Config,
    briefing: BriefingConfig,
    date: str,
    transport: str | Transport | None = None,
    workers: int = 1,
    force: bool = False,
) -> dict[str, Any]:
    """One briefing in this process: the shared stages (unless already run today), then its own stages."""
    from tasks.pipeline import WorkerPool, open_run, run_deliver, run_render, run_shards, run_stories
    from tasks.stages.registry import BRIEFING_STAGES

    shared = shared_run(config, date)
    run_shared(shared, force)
    run = open_run(briefing_config(config, briefing), date, briefing.name)
    run_select(shared, run, briefing)
    result: dict[str, Any] = {"run": run.key, "paths": {}, "deliveries": []}
    shards: list[int] = []
    with WorkerPool(workers) as pool:
        for stage in BRIEFING_STAGES:
            if stage.kind == "group":
                shards = run_stories(run)
            elif stage.kind == "stories":
                run_shards(run, stage, shards, force, pool=pool)
            elif stage.kind == "write":
                result["paths"] = run_render(run, briefing.template)
            elif stage.kind == "send":
                if briefing.approval:  # in this process nobody can approve: nothing is sent
                    record_approval(run, {"status": "pending", "approved": False, "by": None, "reason": ""})
                else:
                    result["deliveries"] = run_deliver(run, transport=transport)
    return result
