"""The run report: a short human-readable account of a run, written beside the manifest and printed at the end."""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path


def run_report(out_dir: str | Path) -> str:
    """Counts by status and reason, flags, repairs and where the outputs are, from a run's manifest."""
    out_dir = Path(out_dir)
    manifest = json.loads((out_dir / "manifest.json").read_text(encoding="utf-8"))
    inputs = manifest["inputs"]
    status = Counter(e["status"] for e in inputs)
    reasons = Counter(e["reason"] for e in inputs if e["status"] == "rejected")
    langs = Counter(e.get("lang") for e in inputs if e["status"] == "included")
    flags = Counter(f["kind"] for e in inputs for f in e.get("flags", []))
    repairs = Counter(c["kind"] for e in inputs for c in e.get("repairs", []))
    lines = [f"briefing run {manifest['run']} ({manifest['date']})"]
    lines.append("inputs: " + ", ".join(f"{n} {s}" for s, n in sorted(status.items())))
    lines.append("languages: " + ", ".join(f"{lang} {n}" for lang, n in sorted(langs.items())))
    if repairs:
        lines.append("repairs: " + ", ".join(f"{k} {n}" for k, n in sorted(repairs.items())))
    if flags:
        lines.append("flags: " + ", ".join(f"{k} {n}" for k, n in sorted(flags.items())))
    for reason, n in sorted(reasons.items()):
        lines.append(f"rejected ({n}): {reason}")
    for name in ("digest.html", "digest.txt", "manifest.json"):
        lines.append(f"{name}: {out_dir / name}")
    return "\n".join(lines)


if __name__ == "__main__":
    print(run_report(sys.argv[1]))
