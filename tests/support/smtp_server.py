"""A real SMTP server for the delivery tests: aiosmtpd on 127.0.0.1, with scripted replies per recipient."""

from __future__ import annotations

import datetime as dt
import email
import socket
import ssl
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from pathlib import Path

# A reply that closes the connection after the message was taken in, before the server answers.
DROP = "drop"


@dataclass
class Received:
    """One message the server accepted."""

    mail_from: str
    rcpt_tos: list[str]
    data: bytes

    @property
    def message(self) -> EmailMessage:
        return email.message_from_bytes(self.data, policy=policy.default)  # type: ignore[return-value]


@dataclass
class Handler:
    """Records every message; `rcpt` and `data` map a recipient to the replies its next attempts get."""

    received: list[Received] = field(default_factory=list)
    rcpt: dict[str, list[str]] = field(default_factory=dict)
    data: dict[str, list[str]] = field(default_factory=dict)
    logins: list[tuple[str, str]] = field(default_factory=list)

    def reset(self) -> None:
        self.received.clear()
        self.rcpt.clear()
        self.data.clear()
        self.logins.clear()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        scripted = self.rcpt.get(address)
        if scripted:
            return scripted.pop(0)
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server, session, envelope):
        self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content))
        scripted = self.data.get(envelope.rcpt_tos[0])
        reply = scripted.pop(0) if scripted else "250 2.0.0 queued"
        if reply == DROP:
            server.transport.abort()
            return "250 never seen"
        if not reply.startswith("250"):
            self.received.pop()  # refused: not delivered
        return reply

    def by_recipient(self) -> dict[str, list[Received]]:
        out: dict[str, list[Received]] = {}
        for item in self.received:
            for rcpt in item.rcpt_tos:
                out.setdefault(rcpt, []).append(item)
        return out


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class SmtpServer:
    """aiosmtpd in a thread on 127.0.0.1; optionally STARTTLS with a self-signed certificate and AUTH."""

    def __init__(self, tls_dir: Path | None = None, users: dict[str, str] | None = None) -> None:
        from aiosmtpd.controller import Controller
        from aiosmtpd.smtp import AuthResult

        self.handler = Handler()
        self.port = free_port()
        kwargs: dict = {}
        self.client_context: ssl.SSLContext | None = None
        self.cert: Path | None = None
        if tls_dir is not None:
            self.cert, key = self_signed(tls_dir)
            server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            server_context.load_cert_chain(self.cert, key)
            self.client_context = ssl.create_default_context(cafile=str(self.cert))
            kwargs.update(tls_context=server_context, require_starttls=True)
        if users is not None:

            def authenticate(server, session, envelope, mechanism, auth_data):
                login, password = auth_data.login.decode(), auth_data.password.decode()
                self.handler.logins.append((login, password))
                if users.get(login) == password:
                    return AuthResult(success=True, auth_data=auth_data)
                return AuthResult(success=False, handled=False)  # the server answers 535

            kwargs.update(
                authenticator=authenticate, auth_required=True, auth_require_tls=tls_dir is not None
            )
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port, **kwargs)

    def __enter__(self) -> SmtpServer:
        self.controller.start()
        return self

    def __exit__(self, *exc) -> None:
        self.controller.stop()

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}?tls=none"


def self_signed(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and its key."""
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return cert_path, key_path
