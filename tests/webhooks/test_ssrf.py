"""RELIABILITY 18: a corpus of unsafe destinations is refused 100 % of the time, when an endpoint or
a `callback_url` is saved (422, nothing written) and again at every send (each attempt logged as
refused; a loopback receiver gets nothing).

DNS is a third party these tests cannot reach: names that resolve privately come from a stand-in
resolver (`ssrf.system_resolver` is looked up at call time); `localhost` and `*.localhost` are
refused by name, and the real resolver is checked to map `localhost` to loopback.
"""

from __future__ import annotations

import socket
from datetime import timedelta

import pytest
from sqlalchemy import insert

from marketplace_app.companies.models import KeyMode
from marketplace_app.core import clock
from marketplace_app.core.clock import now
from marketplace_app.core.db import unit_of_work
from marketplace_app.webhooks import delivery, ssrf
from marketplace_app.webhooks.ssrf import UnsafeDestination, check_url
from tests.requests.helpers import REQUESTS_PATH, business_counts, fund, request_body
from tests.support import assert_error, row_counts
from tests.webhooks.helpers import (
    ATTEMPTS,
    DELIVERIES,
    T0,
    attempts,
    create_endpoint,
    deliveries,
    emit,
    endpoint_row,
    tenant_with_agent,
    webhooks_path,
)

PUBLIC_V4 = "93.184.216.34"
PUBLIC_V6 = "2606:2800:220:1:248:1893:25c8:1946"
FAKE_DNS = {
    "internal.example.com": ["10.1.2.3"],
    "corp.example.com": ["172.20.0.5"],
    "home.example.com": ["192.168.1.10"],
    "metadata.example.net": ["169.254.169.254"],
    "cgnat.example.net": ["100.64.12.1"],
    "loop.example.com": ["127.0.0.1"],
    "loop6.example.com": ["::1"],
    "ula.example.org": ["fd12:3456::1"],
    "linklocal6.example.org": ["fe80::1"],
    "mapped.example.org": ["::ffff:127.0.0.1"],
    "nat64.example.org": ["64:ff9b::a9fe:a9fe"],
    "sixtofour.example.org": ["2002:0a00:0001::1"],
    "mixed.example.com": [PUBLIC_V4, "192.168.0.10"],  # one private answer is enough to refuse
    "multicast.example.com": ["239.1.2.3"],
    "zero.example.com": ["0.0.0.0"],
    "public.example.com": [PUBLIC_V4],
    "public6.example.com": [PUBLIC_V6],
}

LITERALS = [
    # loopback in every spelling
    "https://127.0.0.1/", "https://127.1/", "https://2130706433/", "https://0x7f000001/", "https://017700000001/",
    "https://0177.0.0.1/", "https://0x7f.0.0.1/", "https://127.000.000.001/", "https://127.255.255.254/",
    "https://[::1]/", "https://[::ffff:127.0.0.1]/", "https://[0:0:0:0:0:ffff:7f00:1]/", "https://[::ffff:7f00:1]/",
    "https://[::127.0.0.1]/", "https://0.0.0.0/", "https://0/", "https://[::]/",
    # private, link-local, metadata, shared, unique-local, multicast, reserved, documentation
    "https://10.0.0.1/", "https://10.255.255.255/", "https://172.16.0.1/", "https://172.31.255.254/",
    "https://192.168.0.1/", "https://192.168.255.255/", "https://169.254.169.254/latest/meta-data/",
    "https://169.254.0.1/", "https://[fe80::1]/", "https://[fe80::1%25eth0]/", "https://100.64.0.1/",
    "https://100.127.255.254/", "https://[fc00::1]/", "https://[fd00::1]/", "https://[fd00:ec2::254]/",
    "https://224.0.0.1/", "https://239.255.255.250/", "https://[ff02::1]/", "https://255.255.255.255/",
    "https://240.0.0.1/", "https://192.0.0.1/", "https://198.18.0.1/", "https://192.0.2.1/",
    "https://[2001:db8::1]/",
    # IPv6 forms carrying a private IPv4: 6to4, NAT64 (well-known and local-use), Teredo, translated
    "https://[2002:7f00:1::]/", "https://[2002:a9fe:a9fe::1]/", "https://[64:ff9b::7f00:1]/",
    "https://[64:ff9b::a9fe:a9fe]/", "https://[64:ff9b:1::a9fe:a9fe]/", "https://[::ffff:a9fe:a9fe]/",
    "https://[::ffff:0:7f00:1]/", "https://[2001:0:4136:e378:8000:63bf:80ff:fffe]/",
    # credentials and user@host tricks
    "https://user@evil.com@127.0.0.1/", "https://example.com@10.0.0.1/", "https://user:pass@public.example.com/",
    "https://public.example.com\\@127.0.0.1/", "https://public.example.com%40127.0.0.1/",
    # schemes other than https
    "http://public.example.com/", "ftp://public.example.com/", "file:///etc/passwd",
    "gopher://127.0.0.1:6379/_INFO", "javascript:alert(1)", "data:text/plain,hi", "ws://public.example.com/",
    "dict://127.0.0.1:11211/", "//127.0.0.1/", "https:127.0.0.1", "https:///127.0.0.1/",
    # odd ports
    "https://public.example.com:22/", "https://public.example.com:25/", "https://public.example.com:6379/",
    "https://public.example.com:0/", "https://public.example.com:65536/", "https://public.example.com:80/",
    "https://public.example.com:8080/", "https://public.example.com:-1/", "https://public.example.com:44x/",
    # malformed
    "", "https://", "https:// public.example.com/", "https://public.example.com/a b", "https://exa mple.com/",
    "https://public.example.com/#@127.0.0.1", "https://ünïcode.example.com/", "https://-bad-.example.com/",
    "https://public.example.com/" + "a" * 2048,
]
NAMES = [f"https://{name}/hooks" for name in FAKE_DNS if not name.startswith("public")] + [
    "https://localhost/", "https://LOCALHOST/", "https://localhost./", "https://foo.localhost/",
    "https://a.b.localhost:8443/", "http://localhost/", "http://localhost:8000/hooks",
    "https://does-not-resolve.example.com/",
]
CORPUS = LITERALS + NAMES
# Still refused with the development setting on (it allows only http(s) to localhost/127.0.0.1/[::1]).
NOT_LOCALHOST = [url for url in CORPUS if not url.startswith(
    ("https://127.0.0.1/", "https://[::1]/", "https://localhost/", "https://LOCALHOST/", "http://localhost/",
     "http://localhost:8000"))]


REAL_RESOLVER = ssrf.system_resolver


def fake_resolver(host: str, port: int) -> list[str]:
    """The stand-in DNS: the names above; `*localhost` through the real resolver; nothing else."""
    name = host.rstrip(".").lower()
    if name in FAKE_DNS:
        return FAKE_DNS[name]
    if name == "localhost" or name.endswith(".localhost"):
        return REAL_RESOLVER(name, port)
    raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")


@pytest.fixture(autouse=True)
def fake_dns(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ssrf, "system_resolver", fake_resolver)


def refused(url: str, *, allow_localhost: bool = False) -> bool:
    try:
        check_url(url, allow_localhost=allow_localhost)
    except UnsafeDestination:
        return True
    return False


def test_the_corpus_is_large_enough():
    # then
    assert len(CORPUS) >= 40
    assert len(set(CORPUS)) == len(CORPUS)


def test_every_corpus_url_is_refused_by_the_guard():
    # then
    assert [url for url in CORPUS if not refused(url)] == []


def test_the_development_setting_opens_only_localhost():
    # then
    assert [url for url in NOT_LOCALHOST if not refused(url, allow_localhost=True)] == []
    for url in ("http://localhost:8000/hooks", "https://127.0.0.1/", "http://127.0.0.1:9/", "http://[::1]:5000/"):
        assert not refused(url, allow_localhost=True), url


def test_the_real_resolver_maps_localhost_to_loopback_and_the_guard_refuses_it():
    # given
    addresses = REAL_RESOLVER("localhost", 443)

    # then
    assert addresses and set(addresses) <= {"127.0.0.1", "::1"}
    for url in ("https://localhost/", "https://foo.localhost/", "https://LocalHost./"):
        with pytest.raises(UnsafeDestination):
            check_url(url, allow_localhost=False, resolve=REAL_RESOLVER)
        with pytest.raises(UnsafeDestination):  # even if DNS said otherwise
            check_url(url, allow_localhost=False, resolve=lambda host, port: [PUBLIC_V4])


def test_public_destinations_pass_and_are_pinned_to_the_checked_address():
    # when
    v4 = check_url("https://public.example.com/hooks?x=1", allow_localhost=False)
    v6 = check_url("https://public6.example.com:8443/hooks", allow_localhost=False)
    literal = check_url(f"https://[{PUBLIC_V6}]/", allow_localhost=False)

    # then
    assert (v4.host, v4.port, v4.target) == ("public.example.com", 443, f"https://{PUBLIC_V4}:443/hooks?x=1")
    assert (v6.host, v6.port, v6.target) == ("public6.example.com", 8443, f"https://[{PUBLIC_V6}]:8443/hooks")
    assert literal.addresses == (PUBLIC_V6,)


def test_every_corpus_url_is_refused_when_an_endpoint_is_saved(client, make_receiver):
    # given (the development setting off; a receiver listening on loopback)
    tenant, agent = tenant_with_agent()
    listening = make_receiver()
    urls = [*CORPUS, f"http://127.0.0.1:{listening.port}/", f"http://localhost:{listening.port}/"]
    before = row_counts()

    # when
    answers = {url: client.post(webhooks_path(agent.project_id), json={"url": url, "save_disabled": True},
                                headers=tenant.headers()) for url in urls}

    # then
    assert [url for url, response in answers.items() if response.status_code != 422] == []
    for response in answers.values():
        assert_error(response, status=422, code="validation_error")
    assert row_counts() == before
    assert listening.calls == []


def test_every_corpus_url_is_refused_when_an_endpoint_url_is_changed(client, receiver, monkeypatch):
    # given an endpoint saved while the development setting was on, then the setting turned off
    tenant, agent = tenant_with_agent()
    endpoint = create_endpoint(client, tenant, agent.project_id, receiver.url)
    monkeypatch.setenv("WEBHOOKS_ALLOW_LOCALHOST", "0")
    from marketplace_app.settings import get_settings
    get_settings.cache_clear()
    before = row_counts()

    # when
    answers = {url: client.patch(f"/v1/dashboard/webhooks/{endpoint['id']}", json={"url": url},
                                 headers=tenant.headers()) for url in CORPUS}

    # then
    assert [url for url, response in answers.items() if response.status_code != 422] == []
    assert row_counts() == before
    assert endpoint_row(endpoint["id"])["url"] == receiver.url
    assert len(receiver.calls) == 1  # the ping at creation only


@pytest.mark.parametrize("mode", [KeyMode.test, KeyMode.live])
def test_every_corpus_url_is_refused_as_a_callback_url(client, make_receiver, mode):
    # given
    _tenant, agent = tenant_with_agent(mode=mode)
    fund(agent, cents=10_000)
    listening = make_receiver()
    urls = [*CORPUS, f"http://127.0.0.1:{listening.port}/", f"http://localhost:{listening.port}/"]
    before = business_counts()

    # when
    answers = {url: client.post(REQUESTS_PATH, json=request_body(callback_url=url), headers=agent.headers())
               for url in urls}

    # then
    assert [url for url, response in answers.items() if response.status_code != 422] == []
    for response in answers.values():
        assert "callback_url" in assert_error(response, status=422, code="validation_error")
    assert business_counts() == before
    assert listening.calls == []


def test_every_corpus_url_is_refused_again_at_send_and_nothing_reaches_loopback(client, make_receiver):
    # given deliveries already queued to every unsafe URL, including spellings of a live receiver's port,
    # and an endpoint that was saved while the development setting was on (now off)
    clock.freeze(T0)
    _tenant, agent = tenant_with_agent()
    listening = make_receiver()
    port = listening.port
    at_receiver = [f"http://127.0.0.1:{port}/", f"http://localhost:{port}/", f"https://localhost:{port}/",
                   f"http://[::1]:{port}/", f"http://2130706433:{port}/", f"http://127.1:{port}/",
                   f"http://0x7f000001:{port}/", f"https://127.0.0.1:{port}/", f"http://loop.example.com:{port}/",
                   f"http://0.0.0.0:{port}/", f"https://user@evil.com@127.0.0.1:{port}/"]
    urls = [url for url in CORPUS + at_receiver if 0 < len(url) <= 2048]
    [event_id] = emit(agent, ["request.completed"])
    with unit_of_work() as session:
        session.execute(insert(DELIVERIES), [
            {"event_id": event_id, "event_type": "request.completed", "project_id": agent.project_id,
             "request_id": None, "endpoint_id": None, "url": url, "status": "pending", "attempts": 0,
             "next_attempt_at": now(), "created_at": now()} for url in urls])

    # when every attempt of the schedule runs
    attempted = 0
    for _ in range(4):
        attempted += delivery.deliver_due(limit=1_000)
        clock.advance(timedelta(hours=3))

    # then every attempt was refused before any connection, and each delivery failed
    assert attempted == 4 * len(urls)
    log = attempts()
    assert len(log) == 4 * len(urls)
    assert [item for item in log if item["status_code"] is not None or not item["error"].startswith("refused:")] == []
    assert {row["status"] for row in deliveries()} == {"failed"}
    assert listening.calls == []


def test_a_saved_endpoint_is_checked_again_at_send(client, make_receiver, allow_localhost, monkeypatch):
    # given an endpoint saved to a loopback receiver while the development setting was on
    clock.freeze(T0)
    tenant, agent = tenant_with_agent()
    listening = make_receiver()
    endpoint = create_endpoint(client, tenant, agent.project_id, listening.url)

    # when the setting is off at send time
    monkeypatch.setenv("WEBHOOKS_ALLOW_LOCALHOST", "0")
    from marketplace_app.settings import get_settings
    get_settings.cache_clear()
    emit(agent, ["request.matching"])
    delivery.deliver_due()

    # then
    [row] = deliveries(DELIVERIES.c.endpoint_id == endpoint["id"])
    [attempt] = attempts(ATTEMPTS.c.delivery_id == row["id"])
    assert attempt["status_code"] is None and attempt["error"].startswith("refused:")
    assert [call.json["type"] for call in listening.calls] == ["webhook.ping"]


def test_a_name_that_turns_private_after_saving_is_refused_at_send(client, make_receiver, monkeypatch):
    # given a callback delivery to a name that resolved publicly, now answering with a loopback address
    clock.freeze(T0)
    _tenant, agent = tenant_with_agent()
    listening = make_receiver()
    monkeypatch.setitem(FAKE_DNS, "rebind.example.com", [PUBLIC_V4])
    assert not refused("https://rebind.example.com/")
    [event_id] = emit(agent, ["request.completed"])
    with unit_of_work() as session:
        session.execute(insert(DELIVERIES).values(
            event_id=event_id, event_type="request.completed", project_id=agent.project_id, endpoint_id=None,
            url="https://rebind.example.com/", status="pending", attempts=0, next_attempt_at=now(),
            created_at=now()))
    monkeypatch.setitem(FAKE_DNS, "rebind.example.com", ["127.0.0.1"])

    # when
    delivery.deliver_due()

    # then
    [attempt] = attempts()
    assert attempt["status_code"] is None and "non-public" in attempt["error"]
    assert listening.calls == []
