"""Who a triggered run may mail: valid addresses on the allowed domains only."""

from __future__ import annotations

from collections.abc import Iterable

from tasks.delivery.email_message import DeliveryError, validate_address


def domain(address: str) -> str:
    """The domain of an address, lower-case, without a trailing dot."""
    return address.rpartition("@")[2].lower().rstrip(".")


def allowed_domains(allowed: Iterable[str], configured: Iterable[str]) -> set[str]:
    """The allow-list when one is set, else the domains of the configured recipients."""
    domains = {d.strip().lower().lstrip("@").rstrip(".") for d in allowed if d.strip()}
    return domains or {domain(a) for a in configured}


def check_recipients(
    recipients: Iterable[str], allowed: Iterable[str], configured: Iterable[str]
) -> list[str]:
    """Each recipient, valid and on an allowed domain (exact match); DeliveryError names the first that is not."""
    domains = allowed_domains(allowed, configured)
    checked = []
    for address in recipients:
        validate_address(address)
        if domain(address) not in domains:
            raise DeliveryError(
                f"recipient {address!r} is not on an allowed domain ({', '.join(sorted(domains)) or 'none'}); "
                "an operator can add its domain to deliver.allowed_recipient_domains"
            )
        checked.append(address)
    return checked
