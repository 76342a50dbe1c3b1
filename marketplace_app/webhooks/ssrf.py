"""The SSRF guard for outbound webhooks, applied when a URL is saved and again at every send.

A destination is allowed only if it is `https` on port 443 or 8443, has no credentials,
and every address its host resolves to is globally routable (no loopback in any
spelling, private, link-local, shared, multicast, reserved or metadata address, in
IPv4 or any IPv6 form). The sender then connects to the address checked here (the
host name goes only into SNI and `Host`), so a DNS answer cannot change between the
check and the connection, and redirects are never followed.

The development setting `webhooks_allow_localhost` additionally allows `http` or `https`
to the literal host `localhost` (any port) and its loopback addresses, for local receivers.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import SplitResult, urlsplit

from marketplace_app.core.errors import ValidationFailed

ALLOWED_PORTS = frozenset({443, 8443})
LOCALHOST_NAMES = frozenset({"localhost"})
MAX_URL_LENGTH = 2048
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
# Ranges `is_global` calls global that still must not be called: the local-use NAT64 prefix
# (RFC 8215; its IPv4 part may be anything the local translator reaches).
NOT_GLOBAL = (ipaddress.ip_network("64:ff9b:1::/48"),)
Resolver = Callable[[str, int], list[str]]


class UnsafeDestination(ValidationFailed):
    """A webhook URL we refuse to call (422 `validation_error` when saving)."""


@dataclass(frozen=True, slots=True)
class Destination:
    """A checked URL: the original, its host name, and the addresses we may connect to."""

    url: str
    scheme: str
    host: str
    port: int
    target: str
    addresses: tuple[str, ...]


def system_resolver(host: str, port: int) -> list[str]:
    """Resolve `host` with the operating system (every A and AAAA answer)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return sorted({str(info[4][0]) for info in infos})


def check_url(url: object, *, allow_localhost: bool, resolve: Resolver | None = None) -> Destination:
    """Return the destination if `url` may be called; otherwise raise `UnsafeDestination`
    naming the reason (never reaching the host). `resolve` defaults to `system_resolver`
    (looked up at call time, so tests can stand in for DNS)."""
    resolve = resolve or system_resolver
    parts = _parse(url)
    host = parts.hostname or ""
    local = allow_localhost and host in LOCALHOST_NAMES | {"127.0.0.1", "::1"}
    if parts.scheme != "https" and not (local and parts.scheme == "http"):
        raise UnsafeDestination("webhook URLs must use https://")
    port = parts.port if parts.port is not None else (443 if parts.scheme == "https" else 80)
    if not local and port not in ALLOWED_PORTS:
        raise UnsafeDestination(f"webhook URLs may use port 443 or 8443, not {port}")
    literal = _ip_literal(host)
    if literal is not None:
        addresses = [str(literal)]
    else:
        if not _is_host_name(host):
            raise UnsafeDestination("webhook URL host is not a valid host name")
        if not local and _is_localhost_name(host):  # RFC 6761: always loopback, whatever DNS says
            raise UnsafeDestination(f"webhook host {host} is a loopback name")
        try:
            addresses = resolve(host, port)
        except (OSError, UnicodeError) as exc:
            raise UnsafeDestination(f"webhook host {host} does not resolve") from exc
        if not addresses:
            raise UnsafeDestination(f"webhook host {host} does not resolve")
    for address in addresses:
        ip = _unwrap(ipaddress.ip_address(address.split("%")[0]))
        public = ip.is_global and not ip.is_multicast and not any(ip in net for net in NOT_GLOBAL)
        if not (public or (local and ip.is_loopback)):
            raise UnsafeDestination(f"webhook host {host} resolves to a non-public address")
    target = parts._replace(netloc=_netloc(addresses[0], port)).geturl()
    return Destination(url=str(url), scheme=parts.scheme, host=host, port=port, target=target,
                       addresses=tuple(addresses))


def validate_url(url: object, *, allow_localhost: bool, resolve: Resolver | None = None) -> str:
    """`check_url` for saving: return the URL text if it is allowed."""
    return check_url(url, allow_localhost=allow_localhost, resolve=resolve).url


def _parse(url: object) -> SplitResult:
    if not isinstance(url, str) or not url or len(url) > MAX_URL_LENGTH:
        raise UnsafeDestination(f"webhook URL must be text of at most {MAX_URL_LENGTH} characters")
    if not url.isascii() or any(ch.isspace() or ord(ch) < 0x20 or ch in "\\" for ch in url):
        raise UnsafeDestination("webhook URL must be plain ASCII without spaces or backslashes")
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018  (raises on a bad port)
    except ValueError as exc:
        raise UnsafeDestination("webhook URL is not a valid URL") from exc
    if parts.scheme not in {"http", "https"}:
        raise UnsafeDestination("webhook URLs must use https://")
    if "@" in parts.netloc or parts.username is not None or parts.password is not None:
        raise UnsafeDestination("webhook URLs must not contain credentials")
    if not parts.hostname:
        raise UnsafeDestination("webhook URL has no host")
    if parts.fragment:
        raise UnsafeDestination("webhook URLs must not have a #fragment")
    return parts


def _ip_literal(host: str) -> IPAddress | None:
    """The address `host` spells, in any form a resolver would accept: dotted, `[v6]`, or the
    legacy decimal/octal/hex/short IPv4 forms (`2130706433`, `0177.0.0.1`, `0x7f.1`, `127.1`)."""
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        pass
    if all(part and (part.isdigit() or part.lower().startswith("0x")) for part in host.split(".")):
        try:
            return ipaddress.IPv4Address(socket.inet_aton(host))
        except OSError:
            raise UnsafeDestination("webhook URL host is not a valid address") from None
    return None


def _is_host_name(host: str) -> bool:
    labels = host.rstrip(".").split(".")
    return len(host) <= 253 and len(labels) >= 1 and all(
        0 < len(label) <= 63 and label[0] != "-" and label[-1] != "-"
        and all(ch.isalnum() or ch in "-_" for ch in label) for label in labels)


def _is_localhost_name(host: str) -> bool:
    name = host.rstrip(".").lower()
    return name in LOCALHOST_NAMES or name.endswith(".localhost")


def _unwrap(ip: IPAddress) -> IPAddress:
    """The IPv4 address inside an IPv4-mapped, IPv4-compatible, 6to4 or Teredo IPv6 address."""
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return ip.ipv4_mapped
        if ip.sixtofour is not None:
            return ip.sixtofour
        if ip.teredo is not None:
            return ip.teredo[1]
        if int(ip) >> 32 == 0 and int(ip) > 1:  # ::a.b.c.d (deprecated IPv4-compatible)
            return ipaddress.IPv4Address(int(ip))
        if int(ip) >> 32 == 0x0064FF9B << 64:  # 64:ff9b::/96 NAT64
            return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        if int(ip) >> 32 == 0xFFFF0000:  # ::ffff:0:a.b.c.d (IPv4-translated, SIIT)
            return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return ip


def _netloc(address: str, port: int) -> str:
    host = f"[{address}]" if ":" in address else address
    return f"{host}:{port}"
