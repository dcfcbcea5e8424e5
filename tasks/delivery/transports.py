"""How a message leaves: an outbox folder of `.eml` files, or SMTP (STARTTLS or TLS, login); never a blind retry."""

from __future__ import annotations

import hashlib
import json
import re
import smtplib
import ssl
from email import policy
from email.message import EmailMessage
from email.parser import BytesHeaderParser
from pathlib import Path
from typing import Any, Literal, Protocol
from urllib.parse import parse_qs, quote, unquote, urlparse

from tasks.delivery.email_message import DeliveryError, message_bytes
from tasks.secrets import SecretError, expand

Security = Literal["ssl", "starttls", "auto", "none"]


class SendError(Exception):
    """A message was not (or not knowingly) delivered; `detail` is safe to log and store."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class TransientError(SendError):
    """Not delivered, worth another attempt later (a 4xx reply, a connection that failed before DATA ended)."""


class PermanentError(SendError):
    """Not delivered, and another attempt would fail the same way (a 5xx reply, refused login)."""


class OutcomeUnknown(SendError):
    """The message was sent but the server's reply was lost (the RFC 1047 window): it may have been accepted."""


class Transport(Protocol):
    """Sends one message to one recipient; returns a detail for the ledger or raises SendError."""

    def send(self, msg: EmailMessage, recipient: str, run: str) -> str: ...

    def close(self) -> None: ...


def _message_id_of(path: Path) -> str | None:
    with path.open("rb") as fh:
        return BytesHeaderParser(policy=policy.default).parse(fh)["Message-ID"]


class OutboxTransport:
    """Writes each message as `<dir>/<run>/<recipient>.eml` (atomically) instead of sending it."""

    def __init__(self, directory: str | Path) -> None:
        self.directory = Path(directory)

    def path(self, recipient: str, run: str) -> Path:
        """The file a recipient's message goes to (the address percent-encoded, so `/` cannot make a path)."""
        return self.directory / quote(run, safe="-_.") / f"{quote(recipient, safe='@.+-_')}.eml"

    def send(self, msg: EmailMessage, recipient: str, run: str) -> str:
        """Write the message file; returns its path. An update of an earlier message gets a file of its own."""
        target = self.path(recipient, run)
        if target.exists() and _message_id_of(target) != msg["Message-ID"]:
            digest = hashlib.sha256(str(msg["Message-ID"]).encode()).hexdigest()[:12]
            target = target.with_name(f"{target.stem}.update-{digest}.eml")
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            tmp = target.with_name(f".{target.name}.tmp")
            tmp.write_bytes(message_bytes(msg))
            tmp.replace(target)
        except OSError as exc:
            raise PermanentError(f"outbox not writable: {exc.strerror}") from exc
        return str(target)

    def close(self) -> None:
        """Nothing to close."""


class SmtpTransport:
    """One SMTP session reused across messages; each reply is classified, nothing is retried here."""

    def __init__(
        self,
        host: str,
        port: int | None = None,
        username: str | None = None,
        password: str | None = None,
        security: Security = "auto",
        timeout: float = 30.0,
        tls_context: ssl.SSLContext | None = None,
    ) -> None:
        if security not in ("ssl", "starttls", "auto", "none"):
            raise DeliveryError(f"unknown SMTP security {security!r} (ssl, starttls, auto or none)")
        self.host = host
        self.port = port or (465 if security == "ssl" else 25)
        self.username, self._password = username or None, password or ""
        self.security, self.timeout = security, timeout
        self._tls_context = tls_context
        self._client: smtplib.SMTP | None = None

    def __repr__(self) -> str:
        login = "with login" if self.username else "no login"
        return f"SmtpTransport({self.host}:{self.port}, {self.security}, {login})"

    def _scrub(self, text: str) -> str:
        return text.replace(self._password, "***") if self._password else text

    def _fail(self, code: int, reply: bytes | str, step: str) -> SendError:
        text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else reply
        detail = self._scrub(f"{step}: {code} {_one_line(text)}")
        return TransientError(detail) if 400 <= code < 500 else PermanentError(detail)

    def _connect(self) -> smtplib.SMTP:
        context = self._tls_context or ssl.create_default_context()
        try:
            if self.security == "ssl":
                client: smtplib.SMTP = smtplib.SMTP_SSL(
                    self.host, self.port, timeout=self.timeout, context=context
                )
            else:
                client = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        except (OSError, smtplib.SMTPException) as exc:
            raise TransientError(f"cannot connect to {self.host}:{self.port}: {type(exc).__name__}") from None
        try:
            client.ehlo()
            encrypted = self.security == "ssl"
            if self.security in ("starttls", "auto") and client.has_extn("starttls"):
                client.starttls(context=context)
                client.ehlo()
                encrypted = True
            elif self.security == "starttls":
                raise PermanentError(f"{self.host}:{self.port} does not offer STARTTLS")
            if self.username:
                if not encrypted and self.security != "none":
                    raise PermanentError("refusing to send the SMTP password without TLS")
                client.login(self.username, self._password)
        except smtplib.SMTPResponseException as exc:
            _close(client)
            raise self._fail(exc.smtp_code, exc.smtp_error, "login" if self.username else "hello") from None
        except smtplib.SMTPNotSupportedError:
            _close(client)
            raise PermanentError(f"{self.host}:{self.port} does not offer SMTP AUTH") from None
        except SendError:
            _close(client)
            raise
        except (OSError, smtplib.SMTPException) as exc:
            _close(client)
            raise TransientError(
                f"session with {self.host}:{self.port} failed: {type(exc).__name__}"
            ) from None
        return client

    def send(self, msg: EmailMessage, recipient: str, run: str) -> str:
        """Send one message to one recipient; returns the server's acceptance reply."""
        client = self._client = self._client or self._connect()
        envelope = (
            ("MAIL FROM", lambda: client.mail(msg["From"].addresses[0].addr_spec), (250,)),
            ("RCPT TO", lambda: client.rcpt(recipient), (250, 251)),
            ("DATA", lambda: client.docmd("DATA"), (354,)),
        )
        try:
            for step, command, ok in envelope:
                code, reply = command()
                if code not in ok:
                    self._reset(code)
                    raise self._fail(code, reply, step)
            # Dot-stuffing and the terminating line, as smtplib.SMTP.data does.
            payload = re.sub(rb"(?m)^\.", b"..", message_bytes(msg))
            client.send(payload + (b"" if payload.endswith(b"\r\n") else b"\r\n") + b".\r\n")
        except (OSError, smtplib.SMTPServerDisconnected) as exc:
            self.close()
            # The terminating dot never fully left: the server cannot have accepted this message.
            raise TransientError(f"connection lost before the end of DATA: {type(exc).__name__}") from None
        try:
            code, reply = client.getreply()
        except (OSError, smtplib.SMTPServerDisconnected) as exc:
            self.close()
            raise OutcomeUnknown(
                f"connection lost after DATA, before the server's reply ({type(exc).__name__}); "
                "the server may have accepted the message"
            ) from None
        if code != 250:
            self._reset(code)
            raise self._fail(code, reply, "end of DATA")
        return self._scrub(f"{code} {_one_line(reply.decode('utf-8', 'replace'))}")

    def _reset(self, code: int) -> None:
        """After a refused command: RSET to reuse the session, or drop it (421 means the server is leaving)."""
        if code == 421 or self._client is None:
            self.close()
            return
        try:
            self._client.rset()
        except (OSError, smtplib.SMTPException):
            self.close()

    def close(self) -> None:
        """QUIT the session if one is open."""
        if self._client is not None:
            _close(self._client)
            self._client = None


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _close(client: smtplib.SMTP) -> None:
    try:
        client.quit()
    except (OSError, smtplib.SMTPException):
        client.close()


def _flag(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "on")
    return bool(value)


def smtp_from_url(url: str, timeout: float = 30.0) -> SmtpTransport:
    """`smtp://[user:password@]host[:port][?tls=auto|starttls|none]` or `smtps://...` (implicit TLS)."""
    parsed = urlparse(url)
    usage = "SMTP transport must look like smtp://[user:password@]host:port or smtps://..."
    try:
        host, port = parsed.hostname, parsed.port
    except ValueError:
        raise DeliveryError(usage) from None
    if parsed.scheme not in ("smtp", "smtps") or not host:
        raise DeliveryError(usage)
    security: Security = "ssl"
    if parsed.scheme == "smtp":
        tls = parse_qs(parsed.query).get("tls", ["auto"])[-1]
        if tls not in ("auto", "starttls", "none"):
            raise DeliveryError("tls= must be auto, starttls or none")
        security = tls  # type: ignore[assignment]
    return SmtpTransport(
        host,
        port,
        unquote(parsed.username) if parsed.username else None,
        unquote(parsed.password) if parsed.password else None,
        security,
        timeout,
    )


def smtp_from_connection(
    host: str | None,
    port: int | None = None,
    login: str | None = None,
    password: str | None = None,
    extra: dict[str, Any] | str | None = None,
    timeout: float = 30.0,
) -> SmtpTransport:
    """An SMTP transport from an Airflow connection's fields, with the smtp provider's extras.

    As in `apache-airflow-providers-smtp`: implicit TLS unless `disable_ssl`, then STARTTLS unless
    `disable_tls`; `timeout` in extras overrides the default.
    """
    if not host:
        raise DeliveryError("the SMTP connection has no host")
    if isinstance(extra, str):
        try:
            extra = json.loads(extra) if extra.strip() else {}
        except json.JSONDecodeError:
            raise DeliveryError("the SMTP connection's extra is not JSON") from None
    extra = extra or {}
    if not _flag(extra.get("disable_ssl", False)):
        security: Security = "ssl"
    elif not _flag(extra.get("disable_tls", False)):
        security = "starttls"
    else:
        security = "none"
    return SmtpTransport(host, port, login, password, security, float(extra.get("timeout", timeout)))


def make_transport(spec: str, outbox_dir: str | Path, timeout: float = 30.0) -> Transport | None:
    """`none`, `outbox`, `outbox:DIR`, `smtp://...` or `smtps://...` as a transport (None: do not send).

    `${NAME}` references in the spec are read from the environment here, when the transport is made, so
    the configuration (and every copy of it) holds only the reference.
    """
    try:
        spec = expand(spec, "deliver.transport")
    except SecretError as exc:
        raise DeliveryError(str(exc)) from None
    if spec == "none":
        return None
    if spec == "outbox":
        return OutboxTransport(outbox_dir)
    if spec.startswith("outbox:"):
        return OutboxTransport(spec.removeprefix("outbox:"))
    if spec.startswith(("smtp://", "smtps://")):
        return smtp_from_url(spec, timeout)
    if spec.startswith("airflow:"):
        raise DeliveryError(
            "an Airflow connection is resolved by the DAG's deliver task; outside Airflow use smtp://..."
        )
    # Only the scheme is echoed: the rest of a mistyped URL may hold a password.
    raise DeliveryError(
        f"unknown delivery transport {spec.split(':', 1)[0]!r}: "
        "use none, outbox, outbox:DIR, smtp://HOST:PORT, smtps://HOST:PORT or airflow:CONN_ID"
    )


def connection_id(spec: str) -> str | None:
    """The Airflow connection a transport spec names (`airflow:` alone means `smtp_default`), else None."""
    if not spec.startswith("airflow:"):
        return None
    return spec.removeprefix("airflow:") or "smtp_default"
