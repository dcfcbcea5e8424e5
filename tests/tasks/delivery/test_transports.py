"""SMTP sessions (STARTTLS, login, failures) against aiosmtpd on 127.0.0.1, and transport settings."""

import json
import logging

import pytest

from tasks.config import load_config
from tasks.delivery.deliver import deliver
from tasks.delivery.email_message import DeliveryError, build_message
from tasks.delivery.transports import (
    PermanentError,
    SmtpTransport,
    TransientError,
    connection_id,
    make_transport,
    smtp_from_connection,
    smtp_from_url,
)
from tasks.pipeline import open_run
from tasks.storage.ledger import Ledger
from tests.support.smtp_server import SmtpServer, free_port

PARTS = {"digest.txt": "text", "digest.html": "<p>html</p>"}


@pytest.fixture(scope="module")
def tls_server(tmp_path_factory):
    with SmtpServer(tls_dir=tmp_path_factory.mktemp("tls"), users={"briefing": "s3cret-pw"}) as server:
        yield server


def message(recipient="a@example.com"):
    return build_message(PARTS, recipient, "briefing@example.org", "Subject", "2026-11-24")


def test_starttls_and_login_then_send(tls_server):
    tls_server.handler.reset()
    transport = SmtpTransport(
        "127.0.0.1", tls_server.port, "briefing", "s3cret-pw", "starttls", 5, tls_server.client_context
    )
    assert transport.send(message(), "a@example.com", "run").startswith("250")
    assert transport.send(message("b@example.com"), "b@example.com", "run").startswith("250")
    transport.close()
    assert tls_server.handler.logins == [("briefing", "s3cret-pw")]  # one session for both messages
    assert [r.rcpt_tos for r in tls_server.handler.received] == [["a@example.com"], ["b@example.com"]]


def test_an_untrusted_certificate_is_refused(tls_server):
    transport = SmtpTransport("127.0.0.1", tls_server.port, "briefing", "s3cret-pw", "starttls", 5)
    with pytest.raises(TransientError, match="SSLCertVerificationError"):
        transport.send(message(), "a@example.com", "run")


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_the_password_is_never_sent_in_clear():
    # This server would take AUTH without TLS; the transport must not offer the password to it.
    with SmtpServer(users={"briefing": "s3cret-pw"}) as plain_server:
        transport = SmtpTransport("127.0.0.1", plain_server.port, "briefing", "s3cret-pw", "auto", 5)
        with pytest.raises(PermanentError, match="without TLS"):
            transport.send(message(), "a@example.com", "run")
        with pytest.raises(PermanentError, match="does not offer STARTTLS"):
            SmtpTransport("127.0.0.1", plain_server.port, "briefing", "s3cret-pw", "starttls", 5).send(
                message(), "a@example.com", "run"
            )
        assert plain_server.handler.logins == [] and plain_server.handler.received == []


def test_a_refused_login_fails_without_revealing_the_password(tls_server, tmp_path, caplog):
    caplog.set_level(logging.DEBUG)
    tls_server.handler.reset()
    transport = SmtpTransport(
        "127.0.0.1", tls_server.port, "briefing", "wrong-s3cret", "starttls", 5, tls_server.client_context
    )
    ledger = Ledger(tmp_path / "ledger.sqlite")
    sleeps: list[float] = []
    (result,) = deliver(
        PARTS,
        ["a@example.com"],
        "b@example.org",
        "S",
        "2026-11-24",
        "run",
        transport,
        ledger,
        sleep=sleeps.append,
    )
    assert result.status == "failed" and result.detail.startswith("login: 535") and sleeps == []
    everything = repr(result) + repr(transport) + json.dumps([e.__dict__ for e in ledger.entries("run")])
    assert "wrong-s3cret" not in everything + caplog.text
    assert tls_server.handler.received == []


def test_credentials_stay_out_of_config_json_and_errors(tmp_path):
    url = "smtp://briefing:s3cret-pw@mail.example.org:587"
    run = open_run(load_config(overrides={"out": str(tmp_path), "deliver": {"transport": url}}), "2026-11-24")
    saved = (run.out_dir / "config.json").read_text()
    assert "s3cret-pw" not in saved and "smtp://briefing:***@mail.example.org:587" in saved
    assert run.config.deliver.transport == url  # only the serialised form is redacted
    with pytest.raises(DeliveryError) as info:
        make_transport("smtpx://briefing:s3cret-pw@host", "outbox")
    assert "s3cret-pw" not in str(info.value)
    assert "s3cret-pw" not in repr(smtp_from_url(url))


def test_a_server_that_is_not_there_is_transient_and_retried_a_bounded_number_of_times(tmp_path):
    transport = SmtpTransport("127.0.0.1", free_port(), security="none", timeout=2)
    sleeps: list[float] = []
    ledger = Ledger(tmp_path / "ledger.sqlite")
    (result,) = deliver(
        PARTS,
        ["a@example.com"],
        "b@example.org",
        "S",
        "2026-11-24",
        "run",
        transport,
        ledger,
        sleep=sleeps.append,
    )
    assert result.status == "failed" and result.attempts == 3 and sleeps == [2.0, 4.0]
    assert "cannot connect" in result.detail and ledger.get("run", "a@example.com").attempts == 3


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("smtp://relay.example.org", ("relay.example.org", 25, None, "", "auto")),
        (
            "smtp://u%40x:p%2Fw@relay.example.org:587?tls=starttls",
            ("relay.example.org", 587, "u@x", "p/w", "starttls"),
        ),
        ("smtp://127.0.0.1:2525?tls=none", ("127.0.0.1", 2525, None, "", "none")),
        ("smtps://u:p@relay.example.org", ("relay.example.org", 465, "u", "p", "ssl")),
    ],
)
def test_smtp_urls(url, expected):
    t = smtp_from_url(url)
    assert (t.host, t.port, t.username, t._password, t.security) == expected


@pytest.mark.parametrize("url", ["smtp://", "smtp://host:notaport", "smtp://host?tls=maybe", "http://host"])
def test_bad_smtp_urls(url):
    with pytest.raises(DeliveryError):
        smtp_from_url(url)


@pytest.mark.parametrize(
    ("extra", "security", "port"),
    [
        (None, "ssl", 465),
        ({"disable_ssl": True}, "starttls", 25),
        ('{"disable_ssl": "true", "disable_tls": "true", "timeout": 7}', "none", 25),
    ],
)
def test_airflow_connection_fields_follow_the_smtp_provider(extra, security, port):
    t = smtp_from_connection("mail.example.org", None, "briefing", "pw", extra)
    assert (t.host, t.port, t.username, t.security) == ("mail.example.org", port, "briefing", security)
    assert smtp_from_connection("h", 2525, extra={"disable_ssl": True, "timeout": "7"}).timeout == 7.0
    with pytest.raises(DeliveryError):
        smtp_from_connection(None)


def test_transport_specs():
    assert make_transport("none", "o") is None
    assert str(make_transport("outbox", "o").directory) == "o"
    assert str(make_transport("outbox:/x/y", "o").directory) == "/x/y"
    assert isinstance(make_transport("smtp://h:25", "o"), SmtpTransport)
    with pytest.raises(DeliveryError, match="resolved by the DAG"):
        make_transport("airflow:smtp_default", "o")
    assert connection_id("airflow:") == "smtp_default"
    assert connection_id("airflow:mail_relay") == "mail_relay"
    assert connection_id("smtp://h") is None


@pytest.mark.slow
def test_an_airflow_connection_sends_through_the_same_code(tls_server, monkeypatch):
    from airflow.sdk import Connection

    tls_server.handler.reset()
    conn = Connection.from_uri(
        f"smtp://briefing:s3cret-pw@127.0.0.1:{tls_server.port}?disable_ssl=true&timeout=5",
        conn_id="smtp_default",
    )
    transport = smtp_from_connection(conn.host, conn.port, conn.login, conn.password, conn.extra_dejson)
    assert (transport.security, transport.timeout) == ("starttls", 5.0)
    monkeypatch.setenv(
        "SSL_CERT_FILE", str(tls_server.cert)
    )  # trust the test server's self-signed certificate
    assert transport.send(message(), "a@example.com", "run").startswith("250")
    transport.close()
    assert tls_server.handler.logins == [("briefing", "s3cret-pw")]
