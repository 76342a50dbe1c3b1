"""Who is calling, by network address: the client address behind trusted proxies, and the key
that per-address limits count under."""

from __future__ import annotations

import ipaddress

# IPv6 hands every subscriber at least a /64, so one client is one /64, not one address.
IPV6_CLIENT_PREFIX = 64
MAX_ADDRESS_LENGTH = 100


def client_address(peer: str | None, forwarded_for: str | None, *, trusted_proxy_hops: int) -> str:
    """The caller's address: the connection's peer, or the entry our own proxies appended.

    With `trusted_proxy_hops` = n, the n-th address from the right of `X-Forwarded-For` is the
    one the outermost trusted proxy saw connect (entries further left are the client's to
    write). With 0 the header is ignored. The same rule as Reflex's `trusted_proxy_hops`.
    """
    address = peer or "unknown"
    if trusted_proxy_hops and forwarded_for:
        hops = [entry.strip() for entry in forwarded_for.split(",") if entry.strip()]
        if len(hops) >= trusted_proxy_hops:
            address = hops[-trusted_proxy_hops]
    return address[:MAX_ADDRESS_LENGTH]


def address_key(address: str) -> str:
    """The form an address is counted under: IPv4 as is, IPv6 by its /64, anything else verbatim."""
    try:
        parsed = ipaddress.ip_address(address.strip())
    except ValueError:
        return address.strip()[:MAX_ADDRESS_LENGTH]
    if isinstance(parsed, ipaddress.IPv6Address):
        if parsed.ipv4_mapped is not None:
            return str(parsed.ipv4_mapped)
        return str(ipaddress.ip_network(f"{parsed}/{IPV6_CLIENT_PREFIX}", strict=False))
    return str(parsed)
