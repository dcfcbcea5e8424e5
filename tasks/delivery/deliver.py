"""Deliver: the digest to each recipient exactly once per run, through a transport, tracked in the ledger."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Literal

from tasks.delivery.email_message import DeliveryError, build_message, mark_update, validate_address
from tasks.delivery.transports import (
    OutboxTransport,
    OutcomeUnknown,
    PermanentError,
    TransientError,
    Transport,
    connection_id,
    make_transport,
    smtp_from_connection,
)
from tasks.storage.ledger import Ledger, StoreLedger

# What the pipeline and the DAGs use, in one place.
__all__ = [
    "Delivery",
    "DeliveryError",
    "Ledger",
    "OutboxTransport",
    "connection_id",
    "deliver",
    "make_transport",
    "smtp_from_connection",
    "validate_recipient",
]

log = logging.getLogger(__name__)

# The DAGs validate the `recipients` run parameter with this name.
validate_recipient = validate_address


@dataclass(frozen=True)
class Delivery:
    """The outcome for one recipient in this delivery."""

    recipient: str
    status: str  # sent | skipped (already sent in this run) | failed (see detail; may be left pending)
    message_id: str
    detail: str = ""
    attempts: int = 0  # made by this delivery (the ledger counts them all)


def deliver(
    parts: dict[str, str],
    recipients: list[str],
    sender: str,
    subject: str,
    date: str,
    run: str,
    transport: Transport,
    ledger: Ledger | StoreLedger,
    *,
    unsubscribe_url: str = "",
    pending_policy: Literal["resend", "hold"] = "resend",
    resend_updates: bool = False,
    retries: int = 2,
    backoff: float = 2.0,
    sleep: Callable[[float], None] = time.sleep,
) -> list[Delivery]:
    """Send the digest to each recipient not yet sent to in this run; every outcome is in the ledger first.

    A recipient already sent an earlier digest of this run is skipped, or, with `resend_updates`, sent the
    changed digest as an update threaded to the first message.
    """
    if not recipients:
        raise DeliveryError("no recipients: set deliver.recipients, or use transport none to send nothing")
    unique = {address.lower(): address for address in map(validate_address, recipients)}
    # Every message is built before the first send: a bad address or header stops the run with nothing sent.
    messages = {
        key: build_message(parts, address, sender, subject, date, unsubscribe_url)
        for key, address in unique.items()
    }
    results = []
    try:
        for key, msg in messages.items():
            results.append(
                _deliver_one(
                    msg,
                    unique[key],
                    key,
                    run,
                    transport,
                    ledger,
                    pending_policy,
                    resend_updates,
                    retries,
                    backoff,
                    sleep,
                )
            )
    finally:
        transport.close()
    return results


def _deliver_one(
    msg: EmailMessage,
    address: str,
    key: str,
    run: str,
    transport: Transport,
    ledger: Ledger | StoreLedger,
    pending_policy: str,
    resend_updates: bool,
    retries: int,
    backoff: float,
    sleep: Callable[[float], None],
) -> Delivery:
    entry = ledger.get(run, key)
    if entry and entry.status == "sent":
        if entry.message_id == msg["Message-ID"]:
            return Delivery(
                address, "skipped", entry.message_id, f"already sent in this run ({entry.detail})"
            )
        if not resend_updates:
            detail = (
                "an earlier digest of this run was sent; the update is not mailed (deliver.resend_updates)"
            )
            return Delivery(address, "skipped", entry.message_id, detail)
        mark_update(msg, entry.first_message_id or entry.message_id)
    if entry and entry.status == "pending":
        if pending_policy == "hold":
            detail = (
                "an earlier attempt was interrupted and may have been delivered; held (pending_policy=hold)"
            )
            log.warning("delivery to %s held: %s", address, detail)
            return Delivery(address, "failed", entry.message_id, detail)
        # Resend as the same message, so a server or client that deduplicates by Message-ID shows one copy.
        msg.replace_header("Message-ID", entry.message_id)
    mid = msg["Message-ID"]
    attempt = 0
    while True:
        attempt += 1
        ledger.begin(run, key, mid)
        try:
            detail = transport.send(msg, address, run)
            status = "sent"
        except TransientError as exc:
            if attempt <= retries:
                log.warning(
                    "delivery to %s: %s (attempt %d of %d)", address, exc.detail, attempt, retries + 1
                )
                sleep(backoff * 2 ** (attempt - 1))
                continue
            status, detail = "failed", f"{exc.detail} (gave up after {attempt} attempts)"
        except PermanentError as exc:
            status, detail = "failed", exc.detail
        except OutcomeUnknown as exc:
            detail = f"{exc.detail}; left pending for deliver.pending_policy to settle on the next delivery"
            ledger.finish(run, key, "pending", detail)
            log.error("delivery to %s unknown: %s", address, detail)
            return Delivery(address, "failed", mid, detail, attempt)
        ledger.finish(run, key, status, detail)
        log.log(
            logging.INFO if status == "sent" else logging.ERROR,
            "delivery to %s %s: %s",
            address,
            status,
            detail,
        )
        return Delivery(address, status, mid, detail, attempt)
