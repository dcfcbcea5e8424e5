"""The editor's approval step, shared by the `briefing_<name>` DAGs and `briefing_on_demand` (wiring only)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from airflow.sdk import Param, task
from briefing_tasks import deliver

APPROVE, REJECT = "Approve", "Reject"


def _open(args: dict[str, Any]):
    from tasks.config import load_config
    from tasks.pipeline import open_run

    return open_run(load_config(args["config"], args["overrides"]), args["date"], args["name"])


@task.branch
def needs_approval(args: dict[str, Any], send: str) -> list[str]:
    """Ask the editor when the run must be approved (decided by `plan`); otherwise go straight to sending."""
    return ["approval_note", send] if args["approval"]["required"] else [send]


@task
def approval_note(args: dict[str, Any], paths: dict[str, str]) -> str:
    """The story list and page an editor reviews before approving."""
    from tasks.briefings import approval_note as note

    return note(_open(args), paths["page.html"], (args.get("approval") or {}).get("why", ""))


@task
def deliver_if_approved(
    args: dict[str, Any], paths: dict[str, str], response: dict[str, Any] | None, timeout_outcome: str
) -> list[dict[str, str]]:
    """Send when approved (or when no approval was needed); otherwise send nothing. The decision goes into the manifest."""
    from tasks.briefings import decision_from_response, record_approval

    rule = args.get("approval") or {"required": True}
    if rule["required"]:
        decision = decision_from_response(response, timeout_outcome)
    else:
        decision = {"status": "not required", "approved": True, "by": None, "reason": rule["why"]}
    run = _open(args)
    record_approval(run, decision)
    if not decision["approved"]:
        return []
    outcomes = deliver.function(args, paths)
    record_approval(run, decision)  # delivery rewrote the manifest
    return outcomes


def add_approval(
    stage: Any,
    args: Any,
    paths: Any,
    subject: str,
    timeout_hours: float,
    timeout_outcome: str,
    decided_at_run_time: bool = False,
) -> Any:
    """The send stage behind an editor's approval: note, human-in-the-loop step, then send or not.

    With `decided_at_run_time` a branch first asks whether this run needs approval at all; when it does not, the
    note and the step are skipped and sending goes on (it runs unless an upstream task failed).
    """
    from airflow.providers.standard.operators.hitl import HITLOperator

    note = approval_note(args, paths)
    approve = HITLOperator(
        task_id="approve",
        subject=subject,
        body="{{ ti.xcom_pull(task_ids='approval_note') }}",
        options=[APPROVE, REJECT],
        defaults=[APPROVE if timeout_outcome == "approve" else REJECT],
        params={
            "reason": Param(None, type=["null", "string"], description="Why (recorded in the manifest).")
        },
        response_timeout=timedelta(hours=timeout_hours),
        doc="An editor approves (sent) or rejects (nothing sent, reason in the manifest).",
    )
    note >> approve
    send = deliver_if_approved.override(
        task_id=stage.name, doc=stage.doc, **({"trigger_rule": "none_failed"} if decided_at_run_time else {})
    )(args, paths, approve.output, timeout_outcome)
    if decided_at_run_time:
        branch = needs_approval(args, stage.name)
        paths >> branch >> [note, send]
    return send
