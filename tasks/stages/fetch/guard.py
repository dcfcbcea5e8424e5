"""Outbound connections only to public addresses: resolve once, check every address, connect to the checked one."""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Iterable, Sequence

import httpcore
import httpx

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Resolver = Callable[[str, int], list[str]]

# IPv6 forms that carry an IPv4 address: the IPv4 address is where the packets end up, so it is the one checked.
NAT64 = ipaddress.IPv6Network("64:ff9b::/96")  # RFC 6052 well-known prefix
NAT64_LOCAL = ipaddress.IPv6Network("64:ff9b:1::/48")  # RFC 8215 local-use prefix: the site's own translator
IPV4_COMPATIBLE = ipaddress.IPv6Network("::/96")  # deprecated ::a.b.c.d
CGNAT = ipaddress.IPv4Network("100.64.0.0/10")
# Blocks the IANA special-purpose registries mark not globally reachable that some Python 3.11 releases'
# `is_global` still passes (the lists were corrected in later patch releases), and the one IPv6 block that
# holds global unicast at all: anything outside 2000::/3 is unallocated, local or multicast.
NOT_GLOBAL = tuple(
    ipaddress.ip_network(n)
    for n in ("192.0.0.0/24", "192.88.99.0/24", "198.18.0.0/15", "2001::/23", "2001:db8::/32", "100::/64")
)
GLOBAL_UNICAST_V6 = ipaddress.IPv6Network("2000::/3")


class AddressRefused(Exception):
    """A connection that is not made: the host is, or resolves to, an address that is not publicly routable."""


def parse_networks(values: Iterable[str]) -> list[Network]:
    """CIDR strings as networks (ValueError names the bad one)."""
    networks = []
    for value in values:
        try:
            networks.append(ipaddress.ip_network(value.strip(), strict=False))
        except ValueError:
            raise ValueError(f"not a network in CIDR form like 10.1.0.0/16 or fd00::/8: {value!r}") from None
    return networks


def embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv4-mapped, IPv4-compatible, 6to4 or NAT64 IPv6 address reaches, else None."""
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip in NAT64 or (ip in IPV4_COMPATIBLE and int(ip) > 1):  # `::` and `::1` are IPv6's own
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def _kind(ip: IPAddress) -> str | None:
    """Why an address (with no embedded IPv4) is not public, or None when it is."""
    checks = (
        (ip.is_unspecified, "unspecified"),
        (ip.is_loopback, "loopback"),
        (ip.is_link_local, "link-local"),
        (ip.is_multicast, "multicast"),
        (isinstance(ip, ipaddress.IPv4Address) and ip in CGNAT, "shared (CGNAT)"),
        (isinstance(ip, ipaddress.IPv6Address) and ip.is_site_local, "site-local"),
        (ip.is_private, "private"),
        (ip.is_reserved, "reserved"),
        (not ip.is_global or any(ip in net for net in NOT_GLOBAL), "not globally routable"),
        (isinstance(ip, ipaddress.IPv6Address) and ip not in GLOBAL_UNICAST_V6, "not globally routable"),
    )
    return next((name for failed, name in checks if failed), None)


def refusal(ip: IPAddress, allowed: Sequence[Network] = ()) -> str | None:
    """Why a connection to `ip` is refused (`a loopback address`), or None when it may be made (public, or in
    `allowed`)."""
    target: IPAddress = ip
    if isinstance(ip, ipaddress.IPv6Address):
        if ip in NAT64_LOCAL and not any(ip in net for net in allowed):
            return "a local-use NAT64 address"
        target = embedded_ipv4(ip) or ip
    if any(ip in net or target in net for net in allowed):
        return None
    kind = _kind(target)
    if kind is None:
        return None
    via = f" (it reaches {target})" if target != ip else ""
    return f"a {kind} address{via}"


def system_resolver(host: str, port: int) -> list[str]:
    """Every address the system resolver gives for `host` (IP literals in any form come back as they are)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise httpcore.ConnectError(f"cannot resolve {host}: {exc}") from None
    return list(dict.fromkeys(str(info[4][0]).split("%", 1)[0] for info in infos))


def checked_addresses(host: str, port: int, allowed: Sequence[Network], resolve: Resolver) -> list[str]:
    """The addresses of `host`, all of them public or allowed; AddressRefused if any one is not."""
    addresses = resolve(host, port)
    if not addresses:
        raise httpcore.ConnectError(f"cannot resolve {host}: no addresses")
    for address in addresses:
        reason = refusal(ipaddress.ip_address(address), allowed)
        if reason:
            # One bad address refuses the host: a name that also points inside is hostile or misconfigured.
            named = f"{address} is" if address == host.strip("[]") else f"{host} resolves to {address},"
            raise AddressRefused(f"{named} {reason}; not fetched (see fetch.allow_private_networks)")
    return addresses


class GuardedBackend(httpcore.NetworkBackend):
    """httpcore's network backend that resolves each host once and connects only to the addresses it checked.

    TLS still verifies, and SNI still names, the host from the URL: httpcore passes it to `start_tls`.
    """

    def __init__(
        self,
        allowed: Sequence[Network] = (),
        resolve: Resolver = system_resolver,
        inner: httpcore.NetworkBackend | None = None,
    ) -> None:
        self.allowed = list(allowed)
        self.resolve = resolve
        self.inner = inner or httpcore.SyncBackend()

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        """Connect to the first address of `host` that answers, after every one of them passed the check."""
        error: Exception | None = None
        for address in checked_addresses(host, port, self.allowed, self.resolve):
            try:
                return self.inner.connect_tcp(address, port, timeout, local_address, socket_options)
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                error = exc
        assert error is not None
        raise error

    def connect_unix_socket(self, *args: object, **kwargs: object) -> httpcore.NetworkStream:
        """Never: fetches go over TCP only."""
        raise AddressRefused("unix sockets are not fetched")

    def sleep(self, seconds: float) -> None:
        """As the inner backend sleeps."""
        self.inner.sleep(seconds)


def guarded_transport(
    allowed: Sequence[Network], limits: httpx.Limits, backend: httpcore.NetworkBackend | None = None
) -> httpx.HTTPTransport:
    """An httpx transport whose every connection goes through a GuardedBackend (no proxies from the env)."""
    transport = httpx.HTTPTransport(limits=limits, trust_env=False)
    # httpx builds its pool without a way to pass a network backend; the pool is rebuilt with the same settings.
    transport._pool = httpcore.ConnectionPool(
        ssl_context=httpx.create_ssl_context(trust_env=False),
        max_connections=limits.max_connections,
        max_keepalive_connections=limits.max_keepalive_connections,
        keepalive_expiry=limits.keepalive_expiry,
        network_backend=backend or GuardedBackend(allowed),
    )
    return transport
