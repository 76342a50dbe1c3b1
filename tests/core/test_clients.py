"""The client address: the peer, or the entry our own proxies appended; IPv6 counted by its /64."""

from __future__ import annotations

import pytest

from marketplace_app.core.clients import address_key, client_address


@pytest.mark.parametrize(("peer", "forwarded_for", "hops", "expected"), [
    ("192.0.2.1", None, 0, "192.0.2.1"),
    ("192.0.2.1", "203.0.113.5", 0, "192.0.2.1"),  # no trusted proxy: the header is ignored
    ("10.0.0.2", "203.0.113.5", 1, "203.0.113.5"),
    ("10.0.0.2", "6.6.6.6, 203.0.113.5", 1, "203.0.113.5"),  # the client wrote the first entry
    ("10.0.0.2", "6.6.6.6, 203.0.113.5, 10.0.0.1", 2, "203.0.113.5"),
    ("10.0.0.2", "203.0.113.5", 2, "10.0.0.2"),  # fewer entries than proxies: the peer
    ("10.0.0.2", " , ", 1, "10.0.0.2"),
    (None, None, 0, "unknown"),
])
def test_client_address(peer, forwarded_for, hops, expected):
    assert client_address(peer, forwarded_for, trusted_proxy_hops=hops) == expected


@pytest.mark.parametrize(("address", "key"), [
    ("192.0.2.1", "192.0.2.1"),
    ("2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64"),
    ("2001:DB8:1:2::ffff", "2001:db8:1:2::/64"),
    ("::ffff:192.0.2.1", "192.0.2.1"),
    ("testclient", "testclient"),
])
def test_address_key(address, key):
    assert address_key(address) == key
