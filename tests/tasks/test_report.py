from tasks.report import run_report


def _manifest(**extra):
    return {"run": "2026-11-24", "date": "2026-11-24", "inputs": [], "stories": [], **extra}


def test_skipped_and_failed_emails_say_why():
    deliveries = [
        {"recipient": "a@example.org", "status": "skipped", "detail": "already sent in this run (250 OK)"},
        {"recipient": "b@example.org", "status": "failed", "detail": "550 no such user"},
    ]
    report = run_report(_manifest(deliveries=deliveries), {}, "/out", "2026-11-24")
    assert "email skipped: a@example.org: already sent in this run (250 OK)" in report
    assert "email failed: b@example.org: 550 no such user" in report


def test_a_degraded_run_ends_its_report_with_what_is_missing():
    line = "degraded run: the summary model is unavailable: run `briefing models pull` ..."
    report = run_report(_manifest(degraded={"degraded": True, "line": line}), {}, "/out", "2026-11-24")
    assert report.splitlines()[-1] == line
    assert run_report(_manifest(), {}, "/out", "2026-11-24").splitlines()[-1].startswith("outputs: ")


def test_stories_listed_without_a_summary_are_counted_as_such():
    stories = [{"summary_method": "abstractive", "headline": "A"}] + [
        {"summary_method": None, "headline": h} for h in "BC"
    ]
    report = run_report(_manifest(stories=stories), {}, "/out", "2026-11-24")
    assert "3 stories, summaries: abstractive 1, none (listed only) 2" in report
