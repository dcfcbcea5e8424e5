"""The digest email: validated addresses, collapsed headers and a Message-ID that is the same on every retry."""

from __future__ import annotations

import hashlib
import re
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate
from urllib.parse import quote, urlparse

# A plain mailbox (RFC 5321 dot-atom local part, ASCII domain); display names, quoted local parts and
# anything with whitespace or CR/LF are refused rather than guessed at.
_ATEXT = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_ADDRESS = re.compile(rf"{_ATEXT}(?:\.{_ATEXT})*@{_LABEL}(?:\.{_LABEL})*")


class DeliveryError(ValueError):
    """A delivery that must not be attempted: a bad address, header or transport setting."""


def validate_address(address: object) -> str:
    """The address if it is a plain valid mailbox; raises DeliveryError otherwise (CR/LF included)."""
    if (
        not isinstance(address, str)
        or not _ADDRESS.fullmatch(address)
        or len(address) > 254
        or len(address.rsplit("@", 1)[0]) > 64
    ):
        raise DeliveryError(f"invalid email address: {address!r}")
    return address


def collapse(text: str) -> str:
    """Whitespace (CR and LF included) collapsed to single spaces, for header values."""
    return " ".join(text.split())


def content_hash(parts: dict[str, str]) -> str:
    """A hash of the digest's text and HTML parts."""
    return hashlib.sha256(f"{parts['digest.txt']}\x1f{parts['digest.html']}".encode()).hexdigest()


def message_id(digest_hash: str, recipient: str, date: str, domain: str) -> str:
    """A Message-ID that is the same for the same digest, recipient and date, so a resend is recognisable."""
    key = "\x1f".join((digest_hash, recipient.lower(), date))
    return f"<briefing.{date}.{hashlib.sha256(key.encode()).hexdigest()[:32]}@{domain}>"


def unsubscribe_header(sender: str, recipient: str, url: str = "") -> str:
    """List-Unsubscribe: the https URL (with `{recipient}` filled in) if configured, and a mailto to the sender."""
    mailto = f"<mailto:{sender}?subject=unsubscribe>"
    if not url:
        return mailto
    filled = url.replace("{recipient}", quote(recipient, safe=""))
    parsed = urlparse(filled)
    if parsed.scheme != "https" or not parsed.netloc or any(c in filled for c in " <>,\r\n"):
        raise DeliveryError("unsubscribe_url must be an https URL")
    return f"<{filled}>, {mailto}"


def build_message(
    parts: dict[str, str],
    recipient: str,
    sender: str,
    subject: str,
    date: str,
    unsubscribe_url: str = "",
    sent_at: str | None = None,
) -> EmailMessage:
    """A multipart/alternative message (text, then HTML) for one recipient, with deterministic identity."""
    recipient, sender = validate_address(recipient), validate_address(sender)
    msg = EmailMessage(policy=policy.default)
    msg["From"] = Address(addr_spec=sender)
    msg["To"] = Address(addr_spec=recipient)
    msg["Subject"] = collapse(subject)
    msg["Date"] = sent_at or formatdate(usegmt=True)
    msg["Message-ID"] = message_id(content_hash(parts), recipient, date, sender.rsplit("@", 1)[1])
    msg["List-Unsubscribe"] = unsubscribe_header(sender, recipient, unsubscribe_url)
    if unsubscribe_url:
        # RFC 8058 one-click needs an https URI in List-Unsubscribe; with only a mailto it would be a lie.
        msg["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    msg.set_content(parts["digest.txt"])
    msg.add_alternative(parts["digest.html"], subtype="html")
    return msg


def mark_update(msg: EmailMessage, first_message_id: str) -> None:
    """Make `msg` an update of an earlier digest: "Updated:" in the subject, threaded to the first message."""
    msg.replace_header("Subject", f"Updated: {msg['Subject']}")
    msg["In-Reply-To"] = first_message_id
    msg["References"] = first_message_id


def message_bytes(msg: EmailMessage) -> bytes:
    """The message as sent on the wire and written to the outbox (CRLF line endings)."""
    return msg.as_bytes(policy=policy.SMTP)
