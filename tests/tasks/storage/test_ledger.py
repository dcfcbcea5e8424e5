import sqlite3

import pytest

from tasks.storage.ledger import Ledger, StoreLedger
from tasks.storage.store import Store


def test_one_row_per_run_and_recipient_moving_pending_to_sent(tmp_path):
    ledger = Ledger(tmp_path / "d.sqlite")
    assert ledger.get("r1", "a@example.com") is None
    ledger.begin("r1", "a@example.com", "<m1@x>")
    assert ledger.status("r1", "a@example.com") == "pending"
    ledger.finish("r1", "a@example.com", "failed", "451 try later")
    ledger.begin("r1", "a@example.com", "<m1@x>")
    ledger.finish("r1", "a@example.com", "sent", "250 queued")
    ledger.begin("r2", "a@example.com", "<m2@x>")
    (entry,) = ledger.entries("r1")
    assert (entry.recipient, entry.message_id, entry.status, entry.detail, entry.attempts) == (
        "a@example.com",
        "<m1@x>",
        "sent",
        "250 queued",
        2,
    )
    assert entry.updated.endswith("+00:00")
    assert [e.status for e in ledger.entries("r2")] == ["pending"]
    # A second Ledger on the same file sees the same rows (each change is committed at once).
    assert Ledger(tmp_path / "d.sqlite").status("r1", "a@example.com") == "sent"


def test_an_older_ledger_gains_the_new_columns(tmp_path):
    path = tmp_path / "d.sqlite"
    with sqlite3.connect(path) as db:
        db.execute(
            "CREATE TABLE deliveries (run TEXT NOT NULL, recipient TEXT NOT NULL, message_id TEXT NOT NULL, "
            "status TEXT NOT NULL, detail TEXT NOT NULL DEFAULT '', PRIMARY KEY (run, recipient))"
        )
        db.execute("INSERT INTO deliveries VALUES ('r', 'a@example.com', '<m@x>', 'sent', '250')")
    db.close()
    ledger = Ledger(path)
    entry = ledger.get("r", "a@example.com")
    assert (entry.status, entry.attempts) == ("sent", 0)
    ledger.begin("r", "b@example.com", "<n@x>")
    assert [e.recipient for e in ledger.entries("r")] == ["a@example.com", "b@example.com"]


@pytest.mark.parametrize("kind", ["sqlite", "store"])
def test_the_first_sent_message_is_kept_across_updates(tmp_path, kind):
    ledger = (
        Ledger(tmp_path / "d.sqlite") if kind == "sqlite" else StoreLedger(Store(str(tmp_path / "store")))
    )
    ledger.begin("r", "a@example.com", "<m1>")
    ledger.finish("r", "a@example.com", "failed", "refused")
    assert ledger.get("r", "a@example.com").first_message_id == ""  # nothing was sent yet
    ledger.begin("r", "a@example.com", "<m2>")
    ledger.finish("r", "a@example.com", "sent")
    ledger.begin("r", "a@example.com", "<m3>")  # an update of the digest
    ledger.finish("r", "a@example.com", "sent")
    entry = ledger.get("r", "a@example.com")
    assert (entry.message_id, entry.first_message_id, entry.attempts) == ("<m3>", "<m2>", 3)
