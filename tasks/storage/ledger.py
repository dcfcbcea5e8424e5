"""The delivery ledger: one SQLite row per (run, recipient) moving pending -> sent | failed."""

from __future__ import annotations

import datetime as dt
import sqlite3
from contextlib import closing
from dataclasses import asdict, dataclass
from pathlib import Path

from tasks.storage.store import Store

_COLUMNS = {
    "run": "TEXT NOT NULL",
    "recipient": "TEXT NOT NULL",
    "message_id": "TEXT NOT NULL",
    "status": "TEXT NOT NULL",
    "detail": "TEXT NOT NULL DEFAULT ''",
    "attempts": "INTEGER NOT NULL DEFAULT 0",
    "updated": "TEXT NOT NULL DEFAULT ''",
    "first_message_id": "TEXT NOT NULL DEFAULT ''",
}


@dataclass(frozen=True)
class Entry:
    """One ledger row."""

    run: str
    recipient: str
    message_id: str
    status: str  # pending | sent | failed
    detail: str
    attempts: int
    updated: str
    first_message_id: str = ""  # the first message sent in this run; updates thread to it


class Ledger:
    """SQLite ledger of deliveries; every change is committed before the caller goes on."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with closing(self._connect()) as db, db:
            columns = ", ".join(f"{name} {kind}" for name, kind in _COLUMNS.items())
            db.execute(f"CREATE TABLE IF NOT EXISTS deliveries ({columns}, PRIMARY KEY (run, recipient))")
            # Ledgers written before `attempts` and `updated` existed gain the columns in place.
            have = {row[1] for row in db.execute("PRAGMA table_info(deliveries)")}
            for name, kind in _COLUMNS.items():
                if name not in have:
                    db.execute(f"ALTER TABLE deliveries ADD COLUMN {name} {kind}")

    def _connect(self) -> sqlite3.Connection:
        return sqlite3.connect(self.path, timeout=30, isolation_level="IMMEDIATE")

    def get(self, run: str, recipient: str) -> Entry | None:
        """The row of a recipient in a run, or None if never attempted."""
        with closing(self._connect()) as db:
            row = db.execute(
                f"SELECT {', '.join(_COLUMNS)} FROM deliveries WHERE run = ? AND recipient = ?",
                (run, recipient),
            ).fetchone()
        return Entry(*row) if row else None

    def status(self, run: str, recipient: str) -> str | None:
        """The recorded status, or None if never attempted."""
        entry = self.get(run, recipient)
        return entry.status if entry else None

    def begin(self, run: str, recipient: str, message_id: str) -> None:
        """Record an attempt as `pending` (committed before anything is sent)."""
        with closing(self._connect()) as db, db:
            db.execute(
                "INSERT INTO deliveries (run, recipient, message_id, status, detail, attempts, updated) "
                "VALUES (?, ?, ?, 'pending', '', 1, ?) ON CONFLICT (run, recipient) DO UPDATE SET "
                "message_id = excluded.message_id, status = 'pending', detail = '', "
                "attempts = attempts + 1, updated = excluded.updated",
                (run, recipient, message_id, _now()),
            )

    def finish(self, run: str, recipient: str, status: str, detail: str = "") -> None:
        """Record the outcome of the current attempt: `sent`, `failed`, or `pending` with a reason."""
        if status not in ("sent", "failed", "pending"):
            raise ValueError(f"unknown delivery status {status!r}")
        with closing(self._connect()) as db, db:
            db.execute(
                "UPDATE deliveries SET status = ?, detail = ?, updated = ?, first_message_id = CASE "
                "WHEN ? = 'sent' AND first_message_id = '' THEN message_id ELSE first_message_id END "
                "WHERE run = ? AND recipient = ?",
                (status, detail, _now(), status, run, recipient),
            )

    def entries(self, run: str) -> list[Entry]:
        """Every row of a run, by recipient."""
        with closing(self._connect()) as db:
            rows = db.execute(
                f"SELECT {', '.join(_COLUMNS)} FROM deliveries WHERE run = ? ORDER BY recipient", (run,)
            ).fetchall()
        return [Entry(*row) for row in rows]


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


class StoreLedger:
    """The same ledger as blobs in a Store (`deliveries/<run>/<recipient>.json`), for object storage.

    Each change is one atomic write; the delivery task of a run is the only writer of that run's rows.
    """

    def __init__(self, store: Store) -> None:
        self.store = store

    def _key(self, run: str, recipient: str) -> str:
        return f"deliveries/{run}/{recipient.lower()}.json"

    def get(self, run: str, recipient: str) -> Entry | None:
        """The row of a recipient in a run, or None if never attempted."""
        key = self._key(run, recipient)
        return Entry(**self.store.read_json(key)) if self.store.exists(key) else None

    def status(self, run: str, recipient: str) -> str | None:
        """The recorded status, or None if never attempted."""
        entry = self.get(run, recipient)
        return entry.status if entry else None

    def begin(self, run: str, recipient: str, message_id: str) -> None:
        """Record an attempt as `pending` (written before anything is sent)."""
        previous = self.get(run, recipient)
        attempts = previous.attempts + 1 if previous else 1
        first = previous.first_message_id if previous else ""
        entry = Entry(run, recipient, message_id, "pending", "", attempts, _now(), first)
        self.store.write_json(self._key(run, recipient), asdict(entry))

    def finish(self, run: str, recipient: str, status: str, detail: str = "") -> None:
        """Record the outcome of the current attempt: `sent`, `failed`, or `pending` with a reason."""
        if status not in ("sent", "failed", "pending"):
            raise ValueError(f"unknown delivery status {status!r}")
        entry = self.get(run, recipient)
        if entry is None:
            raise KeyError(f"no delivery of run {run} to {recipient} was begun")
        first = entry.first_message_id or (entry.message_id if status == "sent" else "")
        updated = Entry(
            entry.run, entry.recipient, entry.message_id, status, detail, entry.attempts, _now(), first
        )
        self.store.write_json(self._key(run, recipient), asdict(updated))

    def entries(self, run: str) -> list[Entry]:
        """Every row of a run, by recipient."""
        return [Entry(**self.store.read_json(k)) for k in self.store.keys(f"deliveries/{run}")]


def ledger_for(store: Store) -> Ledger | StoreLedger:
    """SQLite beside a store on local disk; blobs in the store itself on any other filesystem."""
    local = store.local_path("deliveries.sqlite")
    return Ledger(local) if local else StoreLedger(store)
