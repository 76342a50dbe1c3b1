"""Two backend workers behind one port (`REDIS_URL` set, `WEB_CONCURRENCY=2`), as production runs
them: `reflex run --env prod --backend-only`, a real `redis-server`, the test database.

One deployment (and so one database) serves the module, because starting it takes most of the
time: a dashboard tab's state follows it to the other worker, every `/v1/ws` client gets each
event exactly once on either worker, exactly one worker runs the scheduler, nothing answers 5xx;
then RELIABILITY 24 for 30 s (`python -m bench soak` runs it for 10 minutes).
"""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from sqlalchemy import select

from bench import soak
from bench.deployment import Deployment, backend, redis_server
from marketplace_app.core.db import unit_of_work
from marketplace_app.events.models import Event
from marketplace_app.scheduler.models import SchedulerJob, SchedulerLease
from marketplace_app.ui.state.base import SESSION_COOKIE, AppState
from tests.conftest import fresh_database
from tests.deployment import ReflexSocket, WebSocket
from tests.requests import helpers as h

pytestmark = pytest.mark.slow

WORKERS = 2
CREATES = 12
STREAM_CLIENTS = 6
MAX_CONNECTION_TRIES = 40
EVENT_WAIT_SECONDS = 30.0
# Late duplicates would arrive within a few hub polls (0.3 s each) of the originals.
SETTLE_SECONDS = 2.0
APP_STATE = AppState.get_full_name()
HYDRATE = "reflex___state____state.hydrate"
# The scheduler's 1-second job (the test-mode simulator): one leader runs it at most once a second.
ONE_SECOND_JOB = "simulate_test_mode"
SOAK_SECONDS = 30.0
# A call the loaded machine could not answer within the soak's timeout is not a 5xx; anything
# else that got no answer (refused, reset) is.
SLOW_OUTCOMES = frozenset({"ReadTimeout", "PoolTimeout"})


@pytest.fixture(scope="module")
def database(schema_source: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One database for the module (it replaces the per-test one): the deployment outlives a test."""
    yield fresh_database(schema_source, tmp_path_factory.mktemp("workers"))


@pytest.fixture(scope="module")
def deployment(database: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:
    """Redis and two workers on the module's database, the scheduler on."""
    with redis_server() as redis_url, backend(database, redis_url=redis_url, workers=WORKERS,
                                              log_dir=tmp_path_factory.mktemp("logs"),
                                              SCHEDULER_ENABLED="true") as running:
        yield running


def test_two_workers_share_sessions_deliver_events_once_and_elect_one_leader(deployment: Deployment):
    # given
    agent = h.make_agent(funded_cents=100_000)
    statuses: Counter[int] = Counter()

    # when / then: a signed-in tab reconnects to the other worker and is still signed in
    email = _signed_in_tab_moves_to_the_other_worker(deployment, statuses)
    assert email.endswith("@workers.example")

    # when: stream clients on both workers, then creates spread over both
    streams = _stream_clients_on_every_worker(deployment, agent)
    request_ids = _create_requests(deployment, agent, statuses)
    received = _collect_events(streams, _created_event_ids(request_ids))
    time.sleep(SETTLE_SECONDS)
    received = _collect_more(streams, received)

    # then: each client got every event, each exactly once
    created_ids = _created_event_ids(request_ids)
    for stream_id, event_ids in received.items():
        assert not [eid for eid, count in Counter(event_ids).items() if count > 1], stream_id
        assert created_ids <= set(event_ids), stream_id

    # then: one scheduler leader, one of the two workers, for the whole run
    _assert_one_leader(deployment, seconds=time.monotonic() - deployment.started_at)

    # then: no 5xx, no traceback
    assert not [status for status in statuses if status >= 500], statuses
    assert "Traceback" not in deployment.log_text()


def test_200_agents_at_50_requests_a_second_get_no_5xx_and_leave_the_ledger_healthy(deployment: Deployment,
                                                                                    database: str):
    # given
    agents = soak.make_agents()

    # when
    result = soak.drive(deployment.base_url, agents, seconds=SOAK_SECONDS)

    # then
    print(soak.summary(result))
    assert result.calls >= soak.REQUESTS_PER_SECOND * SOAK_SECONDS * 0.9
    assert not [outcome for outcome in result.failures if outcome not in SLOW_OUTCOMES], result.outcomes
    assert sum(result.outcomes[outcome] for outcome in SLOW_OUTCOMES) <= result.calls * 0.01, result.outcomes
    healthy, line = soak.verify_database(database)
    assert healthy, line
    assert "Traceback" not in deployment.log_text()


def _signed_in_tab_moves_to_the_other_worker(deployment: Deployment, statuses: Counter[int]) -> str:
    """Sign a tab in on one worker, reconnect it to the other without its cookie, return the e-mail
    the other worker's hydrate shows (only Redis can have told it)."""
    registered = httpx.post(deployment.base_url + "/v1/auth/register", json={
        "email": "buyer@workers.example", "password": "a-long-enough-password-2026", "display_name": "Buyer",
        "role": "company", "company_name": "Workers Ltd"})
    statuses[registered.status_code] += 1
    first = ReflexSocket(deployment.base_url, cookie=f"{SESSION_COOKIE}={registered.json()['token']}")
    first_worker = deployment.worker_serving(first.local_address)
    first.emit(f"{APP_STATE}.require_signed_in", path="/company")
    signed_in = first.state_update(lambda delta: APP_STATE in delta)[APP_STATE]
    assert signed_in["user_email_rx_state_"] == "buyer@workers.example"
    first.close()

    second = _connect_elsewhere(deployment, first_worker, first.client_token)
    second.emit(HYDRATE, path="/company")
    hydrated = second.state_update(lambda delta: APP_STATE in delta)[APP_STATE]
    second.close()
    return hydrated["user_email_rx_state_"]


def _connect_elsewhere(deployment: Deployment, worker: int | None, client_token: str) -> ReflexSocket:
    for _ in range(MAX_CONNECTION_TRIES):
        socket = ReflexSocket(deployment.base_url, client_token=client_token)
        if deployment.worker_serving(socket.local_address) not in (worker, None):
            return socket
        socket.close()
    raise AssertionError(f"no connection reached a worker other than {worker}")


def _stream_clients_on_every_worker(deployment: Deployment, agent: h.Agent) -> dict[str, WebSocket]:
    """`/v1/ws` clients until every worker serves at least two of them (and at least
    `STREAM_CLIENTS` in all)."""
    url = deployment.base_url.replace("http://", "ws://") + f"/v1/ws?token={agent.key}"
    streams: dict[str, WebSocket] = {}
    served: Counter[int] = Counter()
    for index in range(MAX_CONNECTION_TRIES):
        stream = WebSocket(url)
        worker = deployment.worker_serving(stream.local_address)
        streams[f"client {index} on worker {worker}"] = stream
        served[worker] += 1
        if len(streams) >= STREAM_CLIENTS and len(served) == WORKERS and min(served.values()) >= 2:
            break
    assert len(served) == WORKERS and min(served.values()) >= 2, served
    time.sleep(1.0)  # each worker's hub has subscribed them before the first create commits
    return streams


def _create_requests(deployment: Deployment, agent: h.Agent, statuses: Counter[int]) -> list[str]:
    """`CREATES` creates, each on its own connection, so the accept loop spreads them over the workers."""
    def create(index: int) -> str:
        with httpx.Client(base_url=deployment.base_url, timeout=60) as client:
            response = client.post(h.REQUESTS_PATH, json=h.request_body(),
                                   headers=agent.headers(idempotency_key=f"workers-{index}"))
        statuses[response.status_code] += 1
        return h.created(response)

    with ThreadPoolExecutor(max_workers=4) as pool:
        return list(pool.map(create, range(CREATES)))


def _created_event_ids(request_ids: list[str]) -> set[str]:
    with unit_of_work(read_only=True) as session:
        return set(session.execute(select(Event.id).where(
            Event.request_id.in_(request_ids), Event.type == "request.created")).scalars())


def _collect_events(streams: dict[str, WebSocket], wanted: set[str]) -> dict[str, list[str]]:
    """Read every client until each has the `wanted` event ids (or the wait runs out)."""
    received: dict[str, list[str]] = {stream_id: [] for stream_id in streams}
    deadline = time.monotonic() + EVENT_WAIT_SECONDS
    while time.monotonic() < deadline and not all(wanted <= set(ids) for ids in received.values()):
        for stream_id, stream in streams.items():
            received[stream_id] += _event_ids(stream, timeout=0.1)
    return received


def _collect_more(streams: dict[str, WebSocket], received: dict[str, list[str]]) -> dict[str, list[str]]:
    """Whatever arrived since (a duplicate would be here), then close the clients."""
    for stream_id, stream in streams.items():
        received[stream_id] += _event_ids(stream, timeout=0.2)
        stream.close()
    return received


def _event_ids(stream: WebSocket, *, timeout: float) -> list[str]:
    ids = []
    while (message := stream.receive(timeout)) is not None:
        frame = json.loads(message)
        assert "error" not in frame, frame
        ids.append(frame["event_id"])
        timeout = 0.01
    return ids


def _assert_one_leader(deployment: Deployment, *, seconds: float) -> None:
    worker_holders = _holders_of(deployment)
    with unit_of_work(read_only=True) as session:
        lease_holder = session.execute(select(SchedulerLease.holder)).scalar_one()
        heartbeats = session.execute(select(SchedulerJob.name, SchedulerJob.holder, SchedulerJob.runs)).all()
    assert lease_holder in worker_holders
    assert {holder for _, holder, _ in heartbeats} == {lease_holder}
    one_second_runs = next(runs for name, _, runs in heartbeats if name == ONE_SECOND_JOB)
    # Two leaders would each run it about once a second.
    assert 0 < one_second_runs <= seconds + 2


def _holders_of(deployment: Deployment) -> set[str]:
    """The names `scheduler/leader.py` gives each worker (`host:pid`)."""
    from marketplace_app.scheduler.leader import holder_name

    host = holder_name().partition(":")[0]
    return {f"{host}:{worker.pid}" for worker in deployment.workers}
