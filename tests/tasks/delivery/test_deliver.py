"""Exactly-once delivery against a real SMTP server (aiosmtpd on 127.0.0.1)."""

import json

import pytest

from tasks.delivery.deliver import DeliveryError, OutboxTransport, deliver
from tasks.delivery.transports import smtp_from_url
from tasks.storage.ledger import Ledger
from tests.support.smtp_server import DROP, SmtpServer

PARTS = {
    "digest.txt": "Briefing\n\n1. Rockets hit Baghdad's Green Zone\n",
    "digest.html": "<!DOCTYPE html><html><body><h1>Briefing</h1><h2>Rockets hit Baghdad's Green Zone</h2></body></html>",
    "page.html": "<!DOCTYPE html><html><body>page</body></html>",
}
RUN, DATE = "2026-11-24", "2026-11-24"


@pytest.fixture(scope="module")
def smtp():
    with SmtpServer() as server:
        yield server


@pytest.fixture
def server(smtp):
    smtp.handler.reset()
    return smtp


@pytest.fixture
def ledger(tmp_path):
    return Ledger(tmp_path / "deliveries.sqlite")


def send(server, ledger, recipients, **kw):
    sleeps: list[float] = []
    results = deliver(
        kw.pop("parts", PARTS),
        recipients,
        "briefing@example.org",
        kw.pop("subject", "Briefing for 2026-11-24"),
        DATE,
        RUN,
        smtp_from_url(server.url, timeout=5),
        ledger,
        backoff=0.01,
        sleep=sleeps.append,
        **kw,
    )
    return results, sleeps


def test_one_message_per_recipient_with_both_parts(server, ledger):
    recipients = ["a@example.com", "b@example.com", "c@example.com"]
    results, _ = send(server, ledger, recipients)
    assert [r.status for r in results] == ["sent"] * 3
    got = server.handler.by_recipient()
    assert sorted(got) == recipients and all(len(v) == 1 for v in got.values())
    for recipient, (item,) in got.items():
        msg = item.message
        assert item.mail_from == "briefing@example.org" and msg["To"] == recipient
        assert msg.get_content_type() == "multipart/alternative"
        assert [p.get_content_type() for p in msg.iter_parts()] == ["text/plain", "text/html"]
        assert msg.get_body(("html",)).get_content().rstrip() == PARTS["digest.html"]
        assert msg["Message-ID"] == next(r.message_id for r in results if r.recipient == recipient)
    assert len({r.message_id for r in results}) == 3
    assert [(e.recipient, e.status, e.attempts) for e in ledger.entries(RUN)] == [
        (r, "sent", 1) for r in recipients
    ]
    assert all(e.detail.startswith("250") for e in ledger.entries(RUN))


def test_a_rerun_sends_nothing_new(server, ledger):
    first, _ = send(server, ledger, ["a@example.com", "b@example.com"])
    again, _ = send(server, ledger, ["a@example.com", "B@Example.com"])
    assert [r.status for r in again] == ["skipped", "skipped"]
    assert len(server.handler.received) == 2
    assert [r.message_id for r in again] == [r.message_id for r in first]


def test_a_4xx_then_success_delivers_exactly_once(server, ledger):
    server.handler.rcpt["b@example.com"] = ["450 4.2.0 mailbox busy, try again"]
    server.handler.data["c@example.com"] = ["451 4.3.0 local error, try again"]
    results, sleeps = send(server, ledger, ["a@example.com", "b@example.com", "c@example.com"])
    assert [(r.status, r.attempts) for r in results] == [("sent", 1), ("sent", 2), ("sent", 2)]
    assert sleeps == [0.01, 0.01]
    got = server.handler.by_recipient()
    assert {k: len(v) for k, v in got.items()} == {"a@example.com": 1, "b@example.com": 1, "c@example.com": 1}
    assert {e.recipient: (e.status, e.attempts) for e in ledger.entries(RUN)} == {
        "a@example.com": ("sent", 1),
        "b@example.com": ("sent", 2),
        "c@example.com": ("sent", 2),
    }


def test_transient_failures_are_retried_a_bounded_number_of_times(server, ledger):
    server.handler.rcpt["b@example.com"] = ["421 4.7.0 too busy"] * 5
    results, sleeps = send(server, ledger, ["b@example.com"], retries=2)
    assert results[0].status == "failed" and results[0].attempts == 3
    assert "421 4.7.0 too busy" in results[0].detail and "gave up after 3 attempts" in results[0].detail
    assert sleeps == [0.01, 0.02]  # backoff doubles
    assert server.handler.rcpt["b@example.com"] == ["421 4.7.0 too busy"] * 2  # exactly 3 tries reached it
    assert ledger.get(RUN, "b@example.com").status == "failed"


def test_a_5xx_fails_one_recipient_and_the_others_still_get_theirs(server, ledger):
    server.handler.rcpt["bad@example.com"] = ["550 5.1.1 no such mailbox"]
    results, sleeps = send(server, ledger, ["a@example.com", "bad@example.com", "c@example.com"])
    assert [r.status for r in results] == ["sent", "failed", "sent"]
    assert results[1].detail == "RCPT TO: 550 5.1.1 no such mailbox" and sleeps == []
    assert sorted(server.handler.by_recipient()) == ["a@example.com", "c@example.com"]
    bad = ledger.get(RUN, "bad@example.com")
    assert (bad.status, bad.detail) == ("failed", "RCPT TO: 550 5.1.1 no such mailbox")
    # A rerun tries the failed one again and skips the others.
    again, _ = send(server, ledger, ["a@example.com", "bad@example.com", "c@example.com"])
    assert [r.status for r in again] == ["skipped", "sent", "skipped"]


def test_connection_dropped_after_data_is_left_pending_and_resent_with_the_same_message_id(server, ledger):
    server.handler.data["b@example.com"] = [DROP]
    results, _ = send(server, ledger, ["a@example.com", "b@example.com", "c@example.com"])
    assert [r.status for r in results] == ["sent", "failed", "sent"]
    assert "connection lost after DATA" in results[1].detail and "left pending" in results[1].detail
    assert ledger.get(RUN, "b@example.com").status == "pending"
    held, _ = send(server, ledger, ["b@example.com"], pending_policy="hold")
    assert held[0].status == "failed" and "held" in held[0].detail
    assert len(server.handler.by_recipient()["b@example.com"]) == 1
    # A changed digest would give a new Message-ID; the resend keeps the one the server may already have.
    changed = {**PARTS, "digest.txt": PARTS["digest.txt"] + "corrected\n"}
    again, _ = send(server, ledger, ["a@example.com", "b@example.com", "c@example.com"], parts=changed)
    assert [r.status for r in again] == ["skipped", "sent", "skipped"]
    copies = server.handler.by_recipient()["b@example.com"]
    assert len(copies) == 2 and copies[0].message["Message-ID"] == copies[1].message["Message-ID"]
    assert copies[1].message["Message-ID"] == results[1].message_id
    entry = ledger.get(RUN, "b@example.com")
    assert (entry.status, entry.attempts) == ("sent", 2)


def test_header_injection_in_the_subject_is_collapsed(server, ledger):
    results, _ = send(
        server, ledger, ["a@example.com"], subject="Briefing\r\nBcc: evil@example.net\r\n\r\n<b>body</b>"
    )
    assert results[0].status == "sent"
    (item,) = server.handler.received
    assert item.rcpt_tos == ["a@example.com"]
    assert item.message["Bcc"] is None
    assert item.message["Subject"] == "Briefing Bcc: evil@example.net <b>body</b>"
    assert b"\r\nBcc:" not in item.data


@pytest.mark.parametrize(
    "bad",
    [
        "a@example.com\r\nBcc: evil@example.net",
        "a@example.com\nBcc: evil@example.net",
        "a@example.com, evil@example.net",
        "Analyst <a@example.com>",
        "../../etc/passwd@example.com",
        "not-an-address",
        "",
    ],
)
def test_a_bad_recipient_stops_the_run_before_any_send(server, ledger, bad):
    with pytest.raises(DeliveryError, match="invalid email address"):
        send(server, ledger, ["first@example.com", bad])
    assert server.handler.received == [] and ledger.entries(RUN) == []


def test_no_recipients_is_an_error_not_a_silent_success(server, ledger):
    with pytest.raises(DeliveryError, match="no recipients"):
        send(server, ledger, [])


@pytest.mark.slow
def test_fifty_recipients(server, ledger):
    recipients = [f"analyst{i:02d}@example.com" for i in range(50)]
    results, _ = send(server, ledger, recipients)
    assert [r.status for r in results] == ["sent"] * 50
    got = server.handler.by_recipient()
    assert sorted(got) == recipients and all(len(v) == 1 for v in got.values())
    assert len({item.message["Message-ID"] for item in server.handler.received}) == 50
    again, _ = send(server, ledger, recipients)
    assert {r.status for r in again} == {"skipped"} and len(server.handler.received) == 50


def test_outbox_writes_one_eml_per_recipient(tmp_path, ledger):
    outbox = OutboxTransport(tmp_path / "outbox")
    results = deliver(
        PARTS, ["a@example.com", "o'brien/x@example.com"], "b@example.org", "S", DATE, RUN, outbox, ledger
    )
    assert [r.status for r in results] == ["sent", "sent"]
    files = sorted(p.name for p in (tmp_path / "outbox" / RUN).iterdir())
    assert files == ["a@example.com.eml", "o%27brien%2Fx@example.com.eml"]
    data = (tmp_path / "outbox" / RUN / "a@example.com.eml").read_bytes()
    assert b"Content-Type: multipart/alternative" in data and b"\r\n" in data
    again = deliver(PARTS, ["a@example.com"], "b@example.org", "S", DATE, RUN, outbox, ledger)
    assert again[0].status == "skipped"


def test_the_run_manifest_and_exit_status_say_what_failed(server, tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from tasks.cli import app
    from tasks.config import load_config
    from tasks.pipeline import open_run, run_deliver

    server.handler.rcpt["bad@example.com"] = ["550 5.1.1 no such mailbox"]
    config = load_config(
        overrides={
            "out": str(tmp_path),
            "deliver": {
                "transport": f"smtp://127.0.0.1:{server.port}?tls=none",
                "recipients": ["a@example.com", "bad@example.com"],
                "retry_backoff": 0,
            },
        }
    )
    run = open_run(config, DATE)
    run.store.put_json("digest.json", PARTS)
    (run.out_dir / "manifest.json").write_text(json.dumps({"run": run.key, "inputs": []}))
    outcomes = run_deliver(run)
    manifest = json.loads((run.out_dir / "manifest.json").read_text())
    assert [(d["recipient"], d["status"]) for d in manifest["deliveries"]] == [
        ("a@example.com", "sent"),
        ("bad@example.com", "failed"),
    ]
    assert manifest["deliveries"][1]["detail"] == "RCPT TO: 550 5.1.1 no such mailbox"
    assert outcomes == manifest["deliveries"]
    config_file = tmp_path / "briefing.toml"
    config_file.write_text(
        f'out = "{tmp_path}"\n[deliver]\ntransport = "smtp://127.0.0.1:{server.port}?tls=none"\n'
        'recipients = ["a@example.com", "bad@example.com"]\nretry_backoff = 0\n'
    )
    server.handler.rcpt["bad@example.com"] = ["550 5.1.1 no such mailbox"]
    result = CliRunner().invoke(app, ["deliver", "--config", str(config_file), "--date", DATE])
    assert result.exit_code == 3, result.output
    assert "email skipped: a@example.com" in result.output
    assert "email failed: bad@example.com RCPT TO: 550 5.1.1 no such mailbox" in result.output


UPDATED = {**PARTS, "digest.txt": PARTS["digest.txt"] + "2. Port strike in Antwerp\n"}


def test_a_changed_digest_of_the_same_run_is_not_mailed_by_default(server, ledger):
    send(server, ledger, ["a@example.com"])
    results, _ = send(server, ledger, ["a@example.com"], parts=UPDATED)
    assert [r.status for r in results] == ["skipped"]
    assert "deliver.resend_updates" in results[0].detail
    assert len(server.handler.by_recipient()["a@example.com"]) == 1


def test_resend_updates_mails_an_update_threaded_to_the_first_message(server, ledger):
    (first,), _ = send(server, ledger, ["a@example.com"])
    (update,), _ = send(server, ledger, ["a@example.com"], parts=UPDATED, resend_updates=True)
    assert update.status == "sent" and update.message_id != first.message_id
    (again,), _ = send(server, ledger, ["a@example.com"], parts=UPDATED, resend_updates=True)
    assert again.status == "skipped"  # the same update is sent once
    third = {**UPDATED, "digest.txt": UPDATED["digest.txt"] + "3. Wheat\n"}
    (latest,), _ = send(server, ledger, ["a@example.com"], parts=third, resend_updates=True)
    messages = [r.message for r in server.handler.by_recipient()["a@example.com"]]
    assert len(messages) == 3
    assert [m["Subject"] for m in messages] == [
        "Briefing for 2026-11-24",
        "Updated: Briefing for 2026-11-24",
        "Updated: Briefing for 2026-11-24",
    ]
    assert "In-Reply-To" not in messages[0]
    for msg in messages[1:]:  # every update threads to the first message, not to the previous update
        assert msg["In-Reply-To"].strip() == msg["References"].strip() == first.message_id
    assert messages[2]["Message-ID"].strip() == latest.message_id
    assert ledger.get(RUN, "a@example.com").first_message_id == first.message_id


def test_an_update_in_the_outbox_keeps_the_first_message(tmp_path, ledger):
    outbox = OutboxTransport(tmp_path / "outbox")
    for parts in (PARTS, UPDATED):
        deliver(
            parts,
            ["a@example.com"],
            "briefing@example.org",
            "Briefing",
            DATE,
            RUN,
            outbox,
            ledger,
            resend_updates=True,
        )
    files = sorted(p.name for p in (tmp_path / "outbox" / RUN).iterdir())
    assert files[0] == "a@example.com.eml" and files[1].startswith("a@example.com.update-")
    assert "Updated: Briefing" in (tmp_path / "outbox" / RUN / files[1]).read_text()
