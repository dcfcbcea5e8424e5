"""Deliver: one email per recipient, exactly once, through an outbox folder or SMTP, tracked in a ledger."""

from __future__ import annotations

import hashlib
import re
import smtplib
import sqlite3
from contextlib import closing
from dataclasses import dataclass
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate
from pathlib import Path
from urllib.parse import unquote, urlparse

_ADDRESS = re.compile(
    r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9-]+)*$"
)


class DeliveryError(RuntimeError):
    """Delivery could not be attempted at all (bad recipients, bad transport)."""


@dataclass(frozen=True)
class Delivery:
    """The outcome for one recipient."""

    recipient: str
    status: str  # sent | skipped (already sent) | failed
    message_id: str
    detail: str = ""


def validate_recipient(address: str) -> str:
    """The address if it is a plain valid mailbox; raises DeliveryError otherwise (CR/LF included)."""
    if not isinstance(address, str) or not _ADDRESS.match(address) or len(address) > 254:
        raise DeliveryError(f"invalid recipient address: {address!r}")
    return address


def collapse(text: str) -> str:
    """Whitespace (CR and LF included) collapsed to single spaces, for header values."""
    return " ".join(text.split())


def message_id(content: str, recipient: str, date: str, domain: str) -> str:
    """A Message-ID that is the same for the same digest, recipient and date (so retries are recognisable)."""
    digest = hashlib.sha256("\x1f".join((content, recipient.lower(), date)).encode()).hexdigest()[:32]
    return f"<briefing.{date}.{digest}@{domain}>"


def build_message(
    parts: dict[str, str], recipient: str, sender: str, subject: str, date: str, sent_at: str | None = None
) -> EmailMessage:
    """A multipart/alternative message (text, then HTML) with deterministic identity headers."""
    recipient = validate_recipient(recipient)
    sender = validate_recipient(sender)
    domain = sender.rsplit("@", 1)[1]
    msg = EmailMessage()
    msg["From"] = Address(addr_spec=sender)
    msg["To"] = Address(addr_spec=recipient)
    msg["Subject"] = collapse(subject)
    msg["Date"] = sent_at or formatdate(usegmt=True)
    msg["Message-ID"] = message_id(parts["digest.html"] + parts["digest.txt"], recipient, date, domain)
    msg["List-Unsubscribe"] = f"<mailto:{sender}?subject=unsubscribe>"
    msg["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    msg.set_content(parts["digest.txt"])
    msg.add_alternative(parts["digest.html"], subtype="html")
    return msg


class Ledger:
    """SQLite ledger of deliveries: one row per (run, recipient), pending -> sent | failed."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with closing(self._connect()) as db, db:
            db.execute(
                "CREATE TABLE IF NOT EXISTS deliveries (run TEXT NOT NULL, recipient TEXT NOT NULL, "
                "message_id TEXT NOT NULL, status TEXT NOT NULL, detail TEXT NOT NULL DEFAULT '', "
                "PRIMARY KEY (run, recipient))"
            )

    def _connect(self) -> sqlite3.Connection:
        return sqlite3.connect(self.path, timeout=30, isolation_level="IMMEDIATE")

    def status(self, run: str, recipient: str) -> str | None:
        """The recorded status, or None if never attempted."""
        with closing(self._connect()) as db:
            row = db.execute(
                "SELECT status FROM deliveries WHERE run = ? AND recipient = ?", (run, recipient)
            ).fetchone()
        return row[0] if row else None

    def mark(self, run: str, recipient: str, message_id: str, status: str, detail: str = "") -> None:
        """Record a status (insert or update)."""
        with closing(self._connect()) as db, db:
            db.execute(
                "INSERT INTO deliveries (run, recipient, message_id, status, detail) VALUES (?, ?, ?, ?, ?) "
                "ON CONFLICT (run, recipient) DO UPDATE SET message_id = excluded.message_id, "
                "status = excluded.status, detail = excluded.detail",
                (run, recipient, message_id, status, detail),
            )

    def rows(self, run: str) -> list[tuple[str, str, str, str]]:
        """(recipient, message_id, status, detail) of every delivery of a run."""
        with closing(self._connect()) as db:
            return db.execute(
                "SELECT recipient, message_id, status, detail FROM deliveries WHERE run = ? ORDER BY recipient",
                (run,),
            ).fetchall()


class OutboxTransport:
    """Writes each message as `<dir>/<run>/<recipient>.eml` (atomically) instead of sending it."""

    def __init__(self, directory: str | Path) -> None:
        self.directory = Path(directory)

    def send(self, msg: EmailMessage, recipient: str, run: str) -> str:
        """Write the message file; returns its path."""
        target = self.directory / run / f"{recipient}.eml"
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_suffix(".eml.tmp")
        tmp.write_bytes(bytes(msg))
        tmp.replace(target)
        return str(target)


class SmtpTransport:
    """Sends through an SMTP server (STARTTLS when offered, login when credentials are given); never retries."""

    def __init__(self, host: str, port: int, user: str | None = None, password: str | None = None) -> None:
        self.host, self.port, self.user, self.password = host, port, user, password

    @classmethod
    def from_url(cls, url: str) -> SmtpTransport:
        """`smtp://[user:password@]host:port`."""
        parsed = urlparse(url)
        if parsed.scheme != "smtp" or not parsed.hostname:
            raise DeliveryError("SMTP transport must look like smtp://[user:password@]host:port")
        user = unquote(parsed.username) if parsed.username else None
        password = unquote(parsed.password) if parsed.password else None
        return cls(parsed.hostname, parsed.port or 25, user, password)

    def send(self, msg: EmailMessage, recipient: str, run: str) -> str:
        """Send one message to one recipient; raises smtplib errors with the server's reply."""
        with smtplib.SMTP(self.host, self.port, timeout=30) as client:
            client.ehlo()
            if client.has_extn("starttls"):
                import ssl

                client.starttls(context=ssl.create_default_context())
                client.ehlo()
            if self.user:
                client.login(self.user, self.password or "")
            client.send_message(msg, to_addrs=[recipient])
        return f"smtp {self.host}:{self.port}"


def make_transport(spec: str, outbox_dir: str | Path) -> OutboxTransport | SmtpTransport | None:
    """`none`, `outbox`, `outbox:DIR` or `smtp://...` as a transport (None means do not send)."""
    if spec == "none":
        return None
    if spec == "outbox":
        return OutboxTransport(outbox_dir)
    if spec.startswith("outbox:"):
        return OutboxTransport(spec.removeprefix("outbox:"))
    if spec.startswith("smtp://"):
        return SmtpTransport.from_url(spec)
    raise DeliveryError(
        f"unknown delivery transport {spec!r} (use none, outbox, outbox:DIR or smtp://HOST:PORT)"
    )


def deliver(
    parts: dict[str, str],
    recipients: list[str],
    sender: str,
    subject: str,
    date: str,
    run: str,
    transport: OutboxTransport | SmtpTransport,
    ledger: Ledger,
) -> list[Delivery]:
    """Send the digest to each recipient not already sent to in this run; record every outcome."""
    for recipient in recipients:
        validate_recipient(recipient)  # all or nothing: a bad address stops the run before any send
    results = []
    for recipient in dict.fromkeys(recipients):
        msg = build_message(parts, recipient, sender, subject, date)
        mid = msg["Message-ID"]
        if ledger.status(run, recipient) == "sent":
            results.append(Delivery(recipient, "skipped", mid, "already sent in this run"))
            continue
        ledger.mark(run, recipient, mid, "pending")
        try:
            detail = transport.send(msg, recipient, run)
        except (smtplib.SMTPException, OSError) as exc:
            ledger.mark(run, recipient, mid, "failed", f"{type(exc).__name__}: {exc}")
            results.append(Delivery(recipient, "failed", mid, f"{type(exc).__name__}: {exc}"))
            continue
        ledger.mark(run, recipient, mid, "sent", detail)
        results.append(Delivery(recipient, "sent", mid, detail))
    return results
