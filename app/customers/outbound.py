"""Where the server may connect on a tenant's behalf ("Test connection", single sign-on's calls to
the identity provider in app/sso/transport.py): public addresses only, checked after DNS
resolution, and the connection is made to the very address that was checked (no second lookup
that a rebinding DNS server could answer differently).

Refused: loopback, private, link-local (169.254.169.254 and the cloud metadata services), shared,
multicast, unspecified and reserved ranges, and IPv6 forms of them (IPv4-mapped ::ffff:127.0.0.1,
6to4, Teredo, NAT64 of a private address). However a host is written (2130706433, 0x7f.1,
[::ffff:127.0.0.1]), the resolver turns it into an address first, and the address is checked.
Each caller passes its allowlist of exceptions ("mail.internal", "10.0.0.5:25"):
CONNECTION_TEST_ALLOWED_HOSTS, SSO_ALLOWED_HOSTS; the tests use them for their servers on 127.0.0.1.
"""
import ipaddress
import socket
from typing import Iterable

NAT64 = ipaddress.ip_network("64:ff9b::/96")


class Refused(Exception):
    """The destination is not one the server may reach; the message says so plainly."""


class Unresolvable(Refused):
    """The name has no address (now): refused too, but not known to be a private one."""


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if ip.ipv4_mapped:
        return ip.ipv4_mapped
    if ip.sixtofour:
        return ip.sixtofour
    if ip.teredo:
        return ip.teredo[1]
    if ip in NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])  # an IPv6 zone (fe80::1%eth0) is link-local anyway
    if isinstance(ip, ipaddress.IPv6Address) and (inner := _embedded_ipv4(ip)) is not None:
        if not is_public(str(inner)):
            return False
    return ip.is_global and not ip.is_multicast and not ip.is_reserved


def _entries(allowed: Iterable[str]) -> list[tuple[str, int | None]]:
    """"host", "host:port", "[v6]" or "[v6]:port" -> (host, port or None)."""
    out = []
    for entry in allowed:
        entry = entry.strip().lower()
        if not entry:
            continue
        if entry.startswith("["):
            host, _, rest = entry[1:].partition("]")
            port = rest.lstrip(":")
        elif entry.count(":") == 1:
            host, port = entry.split(":")
        else:
            host, port = entry, ""
        out.append((host, int(port) if port.isdigit() else None))
    return out


def _same_address(a: str, b: str) -> bool:
    try:
        return ipaddress.ip_address(a.split("%", 1)[0]) == ipaddress.ip_address(b.split("%", 1)[0])
    except ValueError:
        return False


def _allowed(name: str, addresses: list[str], port: int, allowed: Iterable[str]) -> bool:
    for host, only_port in _entries(allowed):
        if only_port is not None and only_port != port:
            continue
        if host == name or any(_same_address(host, address) for address in addresses):
            return True
    return False


def checked_address(host: str, port: int, allowed: Iterable[str] = (), service: str = "Test connection") -> str:
    """The address to connect to for host:port, or Refused (its message names `service`)."""
    name = (host or "").strip().strip("[]").lower()
    if not name:
        raise Refused("Enter a server name.")
    try:
        infos = socket.getaddrinfo(name, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError, OSError):
        raise Unresolvable("The server name could not be resolved.") from None
    addresses = list(dict.fromkeys(info[4][0] for info in infos))
    if _allowed(name, addresses, port, allowed):
        return addresses[0]
    if not addresses or not all(is_public(address) for address in addresses):
        raise Refused(f"{host} is a loopback, private, link-local or reserved address: {service} "
                      "only reaches public servers.")
    return addresses[0]


def connect_to(address: str):
    """A socket.create_connection that goes to `address` whatever host it is asked for (the host
    name still serves TLS's server name and certificate check)."""

    def create_connection(target, timeout=socket._GLOBAL_DEFAULT_TIMEOUT, source_address=None, **kwargs):
        return socket.create_connection((address, target[1]), timeout, source_address, **kwargs)

    return create_connection
