"""RELIABILITY 19: `X-Handoff-Signature: t=…,v1=…`, HMAC-SHA256 over `"{t}.{raw body}"`.

1,000 random payloads verify; any 1-byte flip of the body, any tampering with the header, a
wrong secret or a timestamp more than 300 s away is rejected, every time. During a secret
rotation deliveries carry a `v1` for both secrets for 24 h, then only the new one.
"""

from __future__ import annotations

import hashlib
import hmac
import random
from datetime import timedelta

import pytest

from marketplace_app.core import clock
from marketplace_app.webhooks.signing import SignatureError, compute, signature_header, verify_signature
from tests.webhooks.helpers import T0, create_endpoint, deliver_until_idle, emit, tenant_with_agent, unix

SECRET = "whsec_test_secret_0123456789abcdef"
NOW = 1_767_225_600  # a fixed "now" for the pure tests
SAMPLES = 1_000


def payloads(seed: int, count: int = SAMPLES) -> list[bytes]:
    """`count` random bodies: JSON-ish text, arbitrary bytes, empty and large ones."""
    rng = random.Random(seed)
    made = [b"", b"{}", "{\"ünïcode\": \"✓\"}".encode()]
    while len(made) < count:
        size = rng.choice([1, 2, 16, 200, 2_000, 70_000])
        made.append(rng.randbytes(size))
    return made


def test_a_thousand_random_payloads_verify():
    # given
    rng = random.Random(19)
    bodies = payloads(1)

    # when
    results = []
    for body in bodies:
        timestamp = NOW + rng.randint(-300, 300)
        header = signature_header(body, [SECRET], timestamp)
        results.append(verify_signature(body, header, SECRET, now=NOW))

    # then
    assert len(results) == SAMPLES
    assert all(isinstance(result, int) for result in results)


def test_the_signature_is_hmac_sha256_over_timestamp_dot_body():
    # given
    body = b'{"event_id":"evt_1","type":"request.completed"}'

    # when
    header = signature_header(body, [SECRET], NOW)

    # then
    expected = hmac.new(SECRET.encode(), f"{NOW}.".encode() + body, hashlib.sha256).hexdigest()
    assert header == f"t={NOW},v1={expected}"
    assert verify_signature(body.decode(), header, SECRET, now=NOW) == NOW


def test_every_one_byte_flip_of_the_body_is_rejected():
    # given
    rng = random.Random(2)
    bodies = [body for body in payloads(2) if body]

    # when
    accepted = 0
    for body in bodies:
        header = signature_header(body, [SECRET], NOW)
        position = rng.randrange(len(body))
        flipped = bytearray(body)
        flipped[position] ^= 1 << rng.randrange(8)
        try:
            verify_signature(bytes(flipped), header, SECRET, now=NOW)
            accepted += 1
        except SignatureError:
            pass

    # then
    assert len(bodies) >= SAMPLES - 1
    assert accepted == 0


def tampered_headers(header: str, rng: random.Random) -> list[str]:
    """The ways an attacker (or a broken proxy) might change a valid header."""
    timestamp, signature = header.split(",")
    digest = signature.removeprefix("v1=")
    position = rng.randrange(len(digest))
    other = "0" if digest[position] != "0" else "1"
    flipped = digest[:position] + other + digest[position + 1:]
    return [
        f"{timestamp},v1={flipped}",  # one hex digit changed
        f"t={NOW + 1},{signature}",  # timestamp moved by one second
        f"t={NOW - 1},{signature}",
        f"{timestamp},v1={digest[:-1]}",  # truncated
        f"{timestamp},v1={digest}0",  # extended
        f"{timestamp},v1={digest.upper()}",  # other spelling of the same bytes
        f"{timestamp},v0={digest}",  # unknown scheme only
        f"{timestamp}",  # no signature
        signature,  # no timestamp
        f"{timestamp},{timestamp},{signature}",  # two timestamps
        f"t=,{signature}",
        f"t=+{NOW},{signature}",
        f"t={NOW}.0,{signature}",
        f"t=٣{NOW},{signature}",  # non-ASCII digit
        f"{timestamp};{signature}",
        "",
        "garbage",
        f"{timestamp},v1=",
    ]


def test_header_tampering_is_rejected():
    # given
    rng = random.Random(3)
    cases = []
    for body in payloads(3, count=100):
        header = signature_header(body, [SECRET], NOW)
        cases += [(body, tampered) for tampered in tampered_headers(header, rng)]

    # when
    accepted = []
    for body, header in cases:
        try:
            verify_signature(body, header, SECRET, now=NOW)
            accepted.append(header)
        except SignatureError:
            pass

    # then
    assert len(cases) >= 1_000
    assert accepted == []


def test_a_missing_header_is_rejected():
    # then
    for header in (None, ""):
        with pytest.raises(SignatureError):
            verify_signature(b"{}", header, SECRET, now=NOW)


def test_a_wrong_secret_is_rejected():
    # given
    rng = random.Random(4)
    bodies = payloads(4)

    # when
    accepted = 0
    for body in bodies:
        header = signature_header(body, [SECRET], NOW)
        wrong = rng.choice([SECRET[:-1], SECRET + "x", SECRET.upper(), "", f"whsec_{rng.randbytes(16).hex()}"])
        try:
            verify_signature(body, header, wrong, now=NOW)
            accepted += 1
        except SignatureError:
            pass

    # then
    assert accepted == 0


def test_timestamps_more_than_300_seconds_away_are_rejected_and_300_is_accepted():
    # given
    rng = random.Random(5)
    bodies = payloads(5)

    # when
    accepted = 0
    for body in bodies:
        skew = rng.choice([301, 302, 600, 3_600, 86_400, 10**9]) * rng.choice([-1, 1])
        header = signature_header(body, [SECRET], NOW + skew)
        try:
            verify_signature(body, header, SECRET, now=NOW)
            accepted += 1
        except SignatureError:
            pass

    # then
    assert accepted == 0
    for edge in (-300, 300):
        assert verify_signature(b"{}", signature_header(b"{}", [SECRET], NOW + edge), SECRET, now=NOW) == NOW + edge


def test_a_header_with_two_signatures_verifies_under_either_secret_only():
    # given
    body = b'{"type":"request.completed"}'
    header = signature_header(body, [SECRET, "whsec_previous_secret"], NOW)

    # then
    assert verify_signature(body, header, SECRET, now=NOW) == NOW
    assert verify_signature(body, header, "whsec_previous_secret", now=NOW) == NOW
    with pytest.raises(SignatureError):
        verify_signature(body, header, "whsec_a_third_secret", now=NOW)
    assert header.count("v1=") == 2 and compute(body, SECRET, NOW) in header


def test_a_rotated_secret_signs_alongside_the_new_one_for_24_hours_then_stops(client, receiver):
    # given an endpoint, and a rotation at T0
    clock.freeze(T0)
    tenant, agent = tenant_with_agent()
    endpoint = create_endpoint(client, tenant, agent.project_id, receiver.url)
    rotated = client.post(f"/v1/dashboard/webhooks/{endpoint['id']}/rotate-secret", headers=tenant.headers())
    assert rotated.status_code == 201, rotated.text
    old, new = endpoint["secret"], rotated.json()["secret"]
    assert new != old and rotated.json()["previous_secret_expires_at"] == "2026-03-03T09:00:00Z"
    assert "secret" not in client.get(f"/v1/dashboard/webhooks/{endpoint['id']}", headers=tenant.headers()).json()

    def deliver_one_at(moment) -> str:
        clock.freeze(moment)
        emit(agent, ["request.matching"])
        deliver_until_idle()
        return receiver.calls[-1].signature

    # when: just after the rotation, a second before the grace ends, and just after it ends
    during = deliver_one_at(T0 + timedelta(minutes=1))
    last_second = deliver_one_at(T0 + timedelta(hours=24, seconds=-1))
    after = deliver_one_at(T0 + timedelta(hours=24))

    # then
    for header, moment in ((during, T0 + timedelta(minutes=1)), (last_second, T0 + timedelta(hours=24, seconds=-1))):
        body = receiver.calls[[call.signature for call in receiver.calls].index(header)].body
        assert header.count("v1=") == 2
        assert verify_signature(body, header, new, now=unix(moment)) == unix(moment)
        assert verify_signature(body, header, old, now=unix(moment)) == unix(moment)
    body = receiver.calls[-1].body
    assert after.count("v1=") == 1
    assert verify_signature(body, after, new, now=unix(T0 + timedelta(hours=24)))
    with pytest.raises(SignatureError):
        verify_signature(body, after, old, now=unix(T0 + timedelta(hours=24)))
