"""Schemathesis against `create_api()`'s own OpenAPI document (RELIABILITY 15), in process (ASGI).

Every operation gets up to 100 generated calls (valid and invalid, plus schemathesis'
coverage cases such as unsupported methods and missing headers), sent with the credentials
the operation declares in `x-handoff-access` (agent key, or a company / operator / admin /
agent-owner session); path ids are the world's real ones half of the time so the happy paths
run too. Each operation gets a fresh database. Two properties:

* safety: no answer is a 5xx, and every error is exactly the `{"error": {"code", "message"}}`
  envelope in JSON;
* conformance (50 calls per operation): every answer matches the published document
  (status codes, headers, content types, response schemas, `Allow` on 405, invalid input
  refused, ...). One check is left out: `positive_data_acceptance`, because the server deliberately refuses input
  the JSON Schema cannot express (catalogue skills, `"8.00EUR"` money, `"15min"` durations,
  `5.0` as a score per RELIABILITY 16/17), which schemathesis would report as valid data
  rejected.

`-m nightly` runs both with 1,000 examples per operation (the nightly size).
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import Config
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import content_type_conformance, positive_data_acceptance

from marketplace_app.api.access import ACCESS_KEY
from marketplace_app.api.app import create_api
from marketplace_app.companies import service as companies
from marketplace_app.core.db import unit_of_work
from marketplace_app.identity import service as identity
from marketplace_app.identity.models import Role
from tests import factories
from tests.companies.helpers import make_tenant
from tests.requests import helpers as h

APP = create_api()
CI_EXAMPLES = 100
# Conformance failures show up within a few calls; half the examples keep CI near two minutes.
CI_CONFORMANCE_EXAMPLES = 50
NIGHTLY_EXAMPLES = 1_000
# A loaded machine can take seconds per call; schemathesis' default of 10 s is not a failure of ours.
CALL_TIMEOUT_SECONDS = 60
HYPOTHESIS = settings(deadline=None, suppress_health_check=[
    HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much,
    HealthCheck.data_too_large])


def _schema(max_examples: int, *, deterministic: bool) -> Any:
    config = Config.from_dict({
        "generation": {"max-examples": max_examples, "mode": "all", "deterministic": deterministic},
        "phases": {"stateful": {"enabled": False}},
        "checks": {"positive_data_acceptance": {"enabled": False}},
    })
    return schemathesis.openapi.from_asgi("/v1/openapi.json", APP, config=config)


CI_SCHEMA = _schema(CI_EXAMPLES, deterministic=True)
CI_CONFORMANCE_SCHEMA = _schema(CI_CONFORMANCE_EXAMPLES, deterministic=True)
NIGHTLY_SCHEMA = _schema(NIGHTLY_EXAMPLES, deterministic=False)


@dataclass
class World:
    """A company with a funded project and its agent key, signed-in users of every role, and
    real ids to aim at."""

    agent_key: str
    tokens: dict[str, str]
    ids: dict[str, list[str]] = field(default_factory=dict)

    def headers_for(self, case: Any) -> dict[str, str]:
        """Credentials for what the operation declares it needs (none for public ones)."""
        level = case.operation.definition.raw.get(ACCESS_KEY)
        if level == "api_key":
            return {"Authorization": f"Bearer {self.agent_key}"}
        token = self.tokens.get("company" if level == "session" else level)
        return {"Authorization": f"Bearer {token}"} if token else {}

    def aim(self, case: Any) -> None:
        """Point half of the generated path ids at real objects (deterministically per case)."""
        for name, value in list((case.path_parameters or {}).items()):
            real = self.ids.get(name)
            if real and zlib.crc32(repr(value).encode()) % 2 == 0:
                case.path_parameters[name] = real[zlib.crc32(repr(value).encode()) % len(real)]


@pytest.fixture
def world() -> World:
    tenant = make_tenant()
    with unit_of_work() as session:
        # A high hourly limit, so the fuzzer explores instead of collecting 429s.
        project = companies.create_project(session, company_id=tenant.company_id, name="Fuzzed",
                                           rate_limit_per_hour=100_000)
        issued = companies.issue_key(session, project_id=project.id, name="fuzzer")
        spare = companies.issue_key(session, project_id=project.id, name="spare")
    agent = h.Agent(company_id=tenant.company_id, project_id=project.id, key=issued.secret, key_id=issued.key.id)
    tokens = {"company": tenant.tokens["owner"]}
    with unit_of_work() as session:
        for role in (Role.operator, Role.admin, Role.agent_owner):
            tokens[role] = identity.create_session(session, user=factories.make_user(session, role=role))
    h.make_operators(count=2)
    h.fund(agent, cents=10_000_000)
    api = h.client(APP)
    matching = h.created(api.post("/v1/requests", json=h.SEED_BODY, headers=agent.headers()))
    completed = h.created(api.post("/v1/requests", json=h.SEED_BODY, headers=agent.headers()))
    h.complete_by_hand(completed)
    return World(agent_key=issued.secret, tokens=tokens,
                 ids={"request_id": [matching, completed], "project_id": [project.id], "key_id": [spare.key.id],
                      "company_id": [tenant.company_id]})


def _assert_safe(case: Any, world: World) -> None:
    world.aim(case)
    response = case.call(headers=world.headers_for(case), timeout=CALL_TIMEOUT_SECONDS)
    case.validate_response(response, checks=[not_a_server_error, content_type_conformance])
    if response.status_code >= 400:
        content_type = (response.headers.get("content-type") or [""])[0]
        assert content_type.startswith("application/json"), response.text
        body = response.json()
        assert isinstance(body, dict) and set(body) == {"error"}, body
        error = body["error"]
        assert set(error) == {"code", "message"}, body
        assert isinstance(error["code"], str) and error["code"].islower() and " " not in error["code"], body
        assert isinstance(error["message"], str) and error["message"], body
        assert "Traceback" not in response.text


def _assert_conforms(case: Any, world: World) -> None:
    world.aim(case)
    case.call_and_validate(headers=world.headers_for(case), excluded_checks=[positive_data_acceptance],
                           timeout=CALL_TIMEOUT_SECONDS)


@CI_SCHEMA.parametrize()
@HYPOTHESIS
def test_no_operation_answers_5xx_and_every_error_is_the_envelope(case, world):
    _assert_safe(case, world)


@CI_CONFORMANCE_SCHEMA.parametrize()
@HYPOTHESIS
def test_every_operation_answers_as_its_openapi_document_says(case, world):
    _assert_conforms(case, world)


@pytest.mark.nightly
@NIGHTLY_SCHEMA.parametrize()
@HYPOTHESIS
def test_nightly_no_operation_answers_5xx_and_every_error_is_the_envelope(case, world):
    _assert_safe(case, world)


@pytest.mark.nightly
@NIGHTLY_SCHEMA.parametrize()
@HYPOTHESIS
def test_nightly_every_operation_answers_as_its_openapi_document_says(case, world):
    _assert_conforms(case, world)
