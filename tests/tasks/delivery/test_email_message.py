import email
from email import policy

import pytest

from tasks.delivery.email_message import (
    DeliveryError,
    build_message,
    collapse,
    content_hash,
    message_bytes,
    message_id,
    validate_address,
)

PARTS = {"digest.txt": "Plain ünïcode text\n", "digest.html": "<p>HTML</p>\n"}


def build(**kw):
    args = {
        "parts": PARTS,
        "recipient": "a@example.com",
        "sender": "briefing@example.org",
        "subject": "Briefing for 2026-11-24",
        "date": "2026-11-24",
        **kw,
    }
    return build_message(**args)


def test_message_is_multipart_alternative_text_then_html():
    msg = email.message_from_bytes(message_bytes(build()), policy=policy.default)
    assert msg.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in msg.iter_parts()] == ["text/plain", "text/html"]
    assert msg.get_body(("plain",)).get_content().replace("\r\n", "\n") == PARTS["digest.txt"]
    assert msg["From"] == "briefing@example.org" and msg["To"] == "a@example.com"
    assert msg["Date"] and msg["MIME-Version"] == "1.0"
    assert msg["List-Unsubscribe"] == "<mailto:briefing@example.org?subject=unsubscribe>"
    assert msg["List-Unsubscribe-Post"] is None  # one-click needs an https URL


def test_one_click_unsubscribe_with_an_https_url():
    msg = build(unsubscribe_url="https://lists.example.org/unsubscribe?to={recipient}")
    assert msg["List-Unsubscribe"] == (
        "<https://lists.example.org/unsubscribe?to=a%40example.com>, <mailto:briefing@example.org?subject=unsubscribe>"
    )
    assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    for bad in ("http://lists.example.org/u", "javascript:alert(1)", "https://x.example/a>\r\nBcc: e@x.y"):
        with pytest.raises(DeliveryError, match="https"):
            build(unsubscribe_url=bad)


def test_message_id_is_deterministic_per_digest_recipient_and_date():
    first, again = build(), build()
    assert first["Message-ID"] == again["Message-ID"]
    assert first["Message-ID"].startswith("<briefing.2026-11-24.") and first["Message-ID"].endswith(
        "@example.org>"
    )
    others = {
        build(recipient="b@example.com")["Message-ID"],
        build(date="2026-11-25")["Message-ID"],
        build(parts={**PARTS, "digest.html": "<p>changed</p>"})["Message-ID"],
    }
    assert first["Message-ID"] not in others and len(others) == 3
    assert build(recipient="A@Example.com")["Message-ID"] == first["Message-ID"]
    assert (
        message_id(content_hash(PARTS), "a@example.com", "2026-11-24", "example.org") == first["Message-ID"]
    )


def test_subject_whitespace_is_collapsed_so_no_header_can_be_injected():
    msg = build(subject="  Briefing\r\nBcc: evil@example.net\n\tfor  today ")
    assert msg["Subject"] == "Briefing Bcc: evil@example.net for today"
    assert msg["Bcc"] is None
    raw = message_bytes(msg)
    headers = raw.split(b"\r\n\r\n", 1)[0]
    assert b"\r\nBcc:" not in headers
    assert collapse("a\r\n\r\nb\x0bc") == "a b c"


def test_headers_refuse_raw_line_breaks():
    # The default policy is the last line of defence if a value ever bypasses collapse().
    with pytest.raises(ValueError):
        build()["X-Test"] = "a\r\nBcc: evil@example.net"


@pytest.mark.parametrize(
    "address",
    ["a@example.com", "first.last+tag@mail.example.co.uk", "briefing@localhost", "o'brien@example.ie"],
)
def test_valid_addresses(address):
    assert validate_address(address) == address


@pytest.mark.parametrize(
    "address",
    [
        "a@example.com\r\nBcc: evil@example.net",
        "a@example.com ",
        "Analyst <a@example.com>",
        "a@example.com,b@example.com",
        ".a@example.com",
        "a..b@example.com",
        "a@-example.com",
        "a@example..com",
        '"quoted"@example.com',
        "ünï@example.com",
        "x" * 65 + "@example.com",
        "a@" + "b" * 250 + ".com",
        "no-at-sign",
        None,
    ],
)
def test_invalid_addresses(address):
    with pytest.raises(DeliveryError, match="invalid email address"):
        validate_address(address)
    with pytest.raises(DeliveryError):
        build(recipient=address)
