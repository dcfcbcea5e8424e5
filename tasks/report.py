"""The run report: a short human-readable account of a run, written beside the manifest and printed at the end."""

from __future__ import annotations

from collections import Counter

RISING_LISTED = 10  # a report is read at a glance; the manifest has every rising story


def _counts(counter: Counter) -> str:
    return ", ".join(f"{key} {n}" for key, n in sorted(counter.items(), key=lambda kv: str(kv[0]))) or "none"


def model_revision(name: str) -> str:
    """Where a model's weights came from: its local directory or Hub snapshot (the commit), if obtainable."""
    from tasks.models.loading import ModelUnavailable, is_cached, is_local, model_dir

    if not (is_local(name) or is_cached(name)):
        return "not available locally"
    try:
        return str(model_dir(name, probe_timeout=0.1))
    except ModelUnavailable:
        return "not available locally"


def run_report(manifest: dict, timings: dict[str, float], outputs: str, run_key: str) -> str:
    """Counts per stage and status, time per stage, models and their revisions, repairs, rejections, deliveries."""
    inputs = manifest["inputs"]
    included = [e for e in inputs if e["status"] == "included"]
    lines = [f"briefing run {manifest['run']} ({manifest.get('date', '')})"]
    lines.append("inputs: " + _counts(Counter(e["status"] for e in inputs)))
    lines.append("languages: " + _counts(Counter(e.get("lang") for e in included)))
    translated = sum(1 for e in included if e.get("translated_by"))
    repaired = sum(1 for e in included if e.get("repairs"))
    stories = manifest.get("stories", [])
    lines.append(
        f"stages: {len(included)} articles detected, {translated} translated, {repaired} repaired, "
        f"{len(stories)} stories, summaries: "
        + _counts(Counter(s["summary_method"] or "none (listed only)" for s in stories))
    )
    tracked = [s["track"] for s in stories if s.get("track")]
    if tracked:
        rising = [s for s in stories if s.get("rising")]
        lines.append(
            "tracks: "
            + _counts(Counter(t["status"] for t in tracked))
            + f"; rising {len(rising)}"
            + "".join(f"\nrising: {s['headline']}: {s['rising']['reason']}" for s in rising[:RISING_LISTED])
            + (
                f"\nrising: {len(rising) - RISING_LISTED} more in the manifest"
                if len(rising) > RISING_LISTED
                else ""
            )
        )
    for problem in manifest.get("archive_problems", []):
        lines.append(f"archive: {problem}")
    if timings:
        lines.append("time: " + ", ".join(f"{stage} {seconds:.1f}s" for stage, seconds in timings.items()))
    models = sorted({e["translated_by"] for e in included if e.get("translated_by")})
    models += sorted({s["summary_model"] for s in stories if s.get("summary_model")})
    for name in models:
        lines.append(f"model {name}: {model_revision(name)}")
    lines.append("repairs: " + _counts(Counter(c["kind"] for e in included for c in e.get("repairs", []))))
    lines.append("flags: " + _counts(Counter(f["kind"] for e in included for f in e.get("flags", []))))
    for reason, n in sorted(Counter(e["reason"] for e in inputs if e["status"] == "rejected").items()):
        lines.append(f"rejected ({n}): {reason}")
    deliveries = manifest.get("deliveries")
    if deliveries is not None:
        lines.append("emails: " + _counts(Counter(d["status"] for d in deliveries)))
        lines.extend(
            f"email {d['status']}: {d['recipient']}: {d['detail']}"
            for d in deliveries
            if d["status"] in ("failed", "skipped")
        )
    lines.append(f"outputs: {outputs.rstrip('/')}/{run_key}/")
    degraded = (manifest.get("degraded") or {}).get("line")
    if degraded:  # last, so it is the line a person sees at the end of `briefing run` and `make run`
        lines.append(degraded)
    return "\n".join(lines) + "\n"
