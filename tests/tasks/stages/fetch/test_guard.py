import contextlib
import ipaddress

import httpcore
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tasks.stages.fetch.guard import AddressRefused, GuardedBackend, parse_networks, refusal

# The IANA special-purpose blocks (RFC 6890 and successors) that are not globally reachable, written out
# here independently of `ipaddress` so the check is tested against the registry, not against itself.
NOT_GLOBAL_V4 = [
    "0.0.0.0/8",
    "10.0.0.0/8",
    "100.64.0.0/10",
    "127.0.0.0/8",
    "169.254.0.0/16",
    "172.16.0.0/12",
    "192.0.0.0/24",
    "192.0.2.0/24",
    "192.168.0.0/16",
    "192.88.99.0/24",  # deprecated 6to4 relay anycast: refused as well
    "198.18.0.0/15",
    "198.51.100.0/24",
    "203.0.113.0/24",
    "224.0.0.0/4",
    "240.0.0.0/4",
]
NOT_GLOBAL_V6 = [
    "::/128",
    "::1/128",
    "64:ff9b:1::/48",
    "100::/64",
    "2001::/23",
    "2001:db8::/32",
    "fc00::/7",
    "fe80::/10",
    "fec0::/10",
    "ff00::/8",
]
ORACLE = [ipaddress.ip_network(n) for n in NOT_GLOBAL_V4 + NOT_GLOBAL_V6]
GLOBAL_UNICAST_V6 = ipaddress.ip_network("2000::/3")
# Global exceptions inside 192.0.0.0/24 (PCP and TURN anycast) are refused too, which is only stricter.


def reaches(ip):
    """Where the packets go: the IPv4 address inside mapped, compatible, 6to4 and NAT64 forms."""
    if ip.version == 6:
        value = int(ip)
        if value >> 32 == 0xFFFF or (value >> 32 == 0 and value > 1):  # ::ffff:a.b.c.d, ::a.b.c.d
            return ipaddress.IPv4Address(value & 0xFFFFFFFF)
        if value >> 32 == 0x0064FF9B << 64:  # 64:ff9b::/96
            return ipaddress.IPv4Address(value & 0xFFFFFFFF)
        if value >> 112 == 0x2002:  # 2002:aabb:ccdd::/48
            return ipaddress.IPv4Address((value >> 80) & 0xFFFFFFFF)
    return ip


def forbidden(ip):
    target = reaches(ip)
    if target.version == 6 and target not in GLOBAL_UNICAST_V6:
        return True  # IPv6 outside 2000::/3 is multicast, link-local, ULA or not allocated
    return any(ip in net for net in ORACLE) or any(target in net for net in ORACLE)


def plainly_public(ip):
    return not forbidden(ip) and reaches(ip).is_global and not reaches(ip).is_multicast


class Recorder(httpcore.NetworkBackend):
    """Stands in for the socket layer: records where a connection would go, and fails it."""

    def __init__(self):
        self.connected = []

    def connect_tcp(self, host, port, timeout=None, local_address=None, socket_options=None):
        self.connected.append(host)
        raise httpcore.ConnectError("recorded, not connected")


@pytest.mark.parametrize(
    ("address", "kind"),
    [
        ("127.0.0.2", "loopback"),
        ("10.1.2.3", "private"),
        ("192.168.1.1", "private"),
        ("169.254.169.254", "link-local"),  # cloud metadata
        ("100.64.0.1", "shared (CGNAT)"),
        ("224.0.1.1", "multicast"),  # multicast that `is_global` calls global
        ("240.0.0.1", "private"),
        ("0.0.0.0", "unspecified"),
        ("255.255.255.255", "private"),
        ("::1", "loopback"),
        ("::", "unspecified"),
        ("fe80::1", "link-local"),
        ("fd00::1", "private"),
        ("ff0e::1", "multicast"),  # global-scope multicast
        ("::ffff:127.0.0.2", "loopback address (it reaches 127.0.0.2)"),
        ("::127.0.0.1", "loopback address (it reaches 127.0.0.1)"),
        ("2002:7f00:1::", "loopback address (it reaches 127.0.0.1)"),
        ("2002:a9fe:a9fe::1", "link-local address (it reaches 169.254.169.254)"),
        ("64:ff9b::a00:1", "private address (it reaches 10.0.0.1)"),
        ("64:ff9b:1::1", "local-use NAT64"),
    ],
)
def test_non_public_addresses_are_refused_with_their_kind(address, kind):
    reason = refusal(ipaddress.ip_address(address))
    assert reason is not None and kind in reason, reason


@pytest.mark.parametrize(
    "address",
    ["93.184.215.14", "2606:4700::1111", "::ffff:93.184.215.14", "64:ff9b::5db8:d70e", "2002:5db8:d70e::"],
)
def test_public_addresses_and_their_ipv6_forms_pass(address):
    assert refusal(ipaddress.ip_address(address)) is None


def test_the_allow_list_opens_exactly_its_networks():
    allowed = parse_networks(["127.0.0.1/32", "10.20.0.0/16"])
    assert refusal(ipaddress.ip_address("127.0.0.1"), allowed) is None
    assert refusal(ipaddress.ip_address("::ffff:127.0.0.1"), allowed) is None  # the same host
    assert refusal(ipaddress.ip_address("10.20.9.9"), allowed) is None
    assert refusal(ipaddress.ip_address("127.0.0.2"), allowed)
    assert refusal(ipaddress.ip_address("::ffff:127.0.0.2"), allowed)
    assert refusal(ipaddress.ip_address("10.21.0.1"), allowed)
    with pytest.raises(ValueError, match=r"10\.0\.0\.300"):
        parse_networks(["10.0.0.300/8"])


def test_a_host_is_resolved_once_and_the_checked_address_is_the_one_connected_to():
    answers = iter([["93.184.215.14"], ["127.0.0.1"]])  # a rebinding DNS server's two answers
    calls = []

    def resolve(host, port):
        calls.append(host)
        return next(answers)

    recorder = Recorder()
    with pytest.raises(httpcore.ConnectError):
        GuardedBackend(resolve=resolve, inner=recorder).connect_tcp("rebind.example", 80)
    assert calls == ["rebind.example"] and recorder.connected == ["93.184.215.14"]


def test_a_name_with_any_internal_address_is_refused_whole():
    recorder = Recorder()
    backend = GuardedBackend(resolve=lambda h, p: ["93.184.215.14", "10.0.0.5"], inner=recorder)
    with pytest.raises(AddressRefused, match=r"mixed\.example resolves to 10\.0\.0\.5, a private address"):
        backend.connect_tcp("mixed.example", 443)
    assert recorder.connected == []


def v6_forms(v4):
    n = int(v4)
    return st.sampled_from(
        [
            ipaddress.IPv6Address((0xFFFF << 32) | n),  # ::ffff:a.b.c.d
            ipaddress.IPv6Address(n),  # ::a.b.c.d
            ipaddress.IPv6Address((0x0064FF9B << 96) | n),  # 64:ff9b::a.b.c.d
            ipaddress.IPv6Address((0x2002 << 112) | (n << 80) | 1),  # 2002:aabb:ccdd::1
        ]
    )


special = st.sampled_from(ORACLE).flatmap(lambda net: st.ip_addresses(network=net))
v4 = st.ip_addresses(v=4) | st.ip_addresses(network="127.0.0.0/8") | st.ip_addresses(network="10.0.0.0/8")
addresses = st.one_of(st.ip_addresses(), special, v4, v4.flatmap(v6_forms))
hostnames = st.from_regex(r"[a-z][a-z0-9-]{0,12}\.(example|test|invalid)", fullmatch=True)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(host=hostnames, answers=st.lists(addresses, min_size=1, max_size=3))
def test_a_host_name_never_leads_to_a_connection_to_a_non_global_address(host, answers):
    recorder = Recorder()
    backend = GuardedBackend(resolve=lambda h, p: [str(a) for a in answers], inner=recorder)
    try:
        backend.connect_tcp(host, 80)
    except AddressRefused:
        assert recorder.connected == [] and not all(plainly_public(a) for a in answers)
    except httpcore.ConnectError:
        assert recorder.connected == [str(a) for a in answers]  # not refused: every address was tried
    for address in recorder.connected:
        assert not forbidden(ipaddress.ip_address(address)), address


def literal_forms(ip):
    """How an address may be written in a URL's host: dotted, a bare integer, hex, IPv6 in brackets."""
    if ip.version == 6:
        return st.just(f"[{ip}]")
    return st.sampled_from(
        [str(ip), str(int(ip)), hex(int(ip)), ".".join(hex(int(p)) for p in str(ip).split("."))]
    )


@settings(max_examples=300, deadline=None)
@given(literal=addresses.flatmap(literal_forms))
def test_ip_literals_in_any_spelling_never_reach_a_non_global_address(literal):
    recorder = Recorder()
    with contextlib.suppress(AddressRefused, httpcore.ConnectError):
        GuardedBackend(inner=recorder).connect_tcp(literal.strip("[]"), 80)  # the real resolver
    for address in recorder.connected:
        assert not forbidden(ipaddress.ip_address(address)), (literal, address)
