import pytest

from tasks.delivery.email_message import DeliveryError
from tasks.delivery.recipients import allowed_domains, check_recipients

CONFIGURED = ["analyst@example.com", "Desk@News.Example.org"]


def test_by_default_only_the_domains_of_the_configured_recipients():
    assert allowed_domains([], CONFIGURED) == {"example.com", "news.example.org"}
    assert check_recipients(["editor@EXAMPLE.com"], [], CONFIGURED) == ["editor@EXAMPLE.com"]
    with pytest.raises(DeliveryError, match=r"'someone@elsewhere\.net' is not on an allowed domain"):
        check_recipients(["editor@example.com", "someone@elsewhere.net"], [], CONFIGURED)


def test_an_allow_list_replaces_the_default_and_matches_whole_domains():
    allowed = ["example.org", "@Partner.example"]
    assert check_recipients(["a@example.org", "b@partner.example"], allowed, CONFIGURED)
    for address in ("a@example.com", "a@sub.example.org", "a@example.org.evil.net", "a@evilexample.org"):
        with pytest.raises(DeliveryError, match=r"deliver\.allowed_recipient_domains"):
            check_recipients([address], allowed, CONFIGURED)


def test_invalid_addresses_are_refused_before_the_domain_is_looked_at():
    with pytest.raises(DeliveryError, match="invalid email address"):
        check_recipients(["desk@example.com\n"], [], CONFIGURED)
