"""The buyer reads what it paid for: `GET /v1/requests/{id}` lists each proof file with a signed,
short-lived URL; `GET /v1/files/{token}` streams it (never cached, never sniffed) and logs who
opened it; an expired, forged or another company's link opens nothing."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import select

from marketplace_app.companies.access import resolve_actor
from marketplace_app.companies.models import CompanyMember
from marketplace_app.core import clock
from marketplace_app.core.db import unit_of_work
from marketplace_app.core.errors import Forbidden, NotFound
from marketplace_app.requests import service as requests
from marketplace_app.settings import get_settings
from marketplace_app.ui.state import company_request
from marketplace_app.uploads.models import FileAccess
from tests.support import assert_error
from tests.work import helpers as w

PROOF = "Photo of the meter"
ANSWER = "The meter reads 01234 kWh; the photo shows the display and the serial number."


@pytest.fixture(autouse=True)
def frozen_clock(database: str, monkeypatch, tmp_path) -> Iterator[None]:
    w.use_tmp_storage(monkeypatch, tmp_path)
    clock.freeze(w.T0)
    yield
    clock.unfreeze()


def completed_with_photo(agent) -> tuple[str, str]:
    """A request completed with one JPEG proof; returns (request id, upload id)."""
    operator = w.make_operator()
    request_id = w.create(agent, proof_requirements=[PROOF])["id"]
    w.accept(operator, request_id)
    photo = w.upload(operator, data=w.JPEG, filename="meter.jpg")
    row = w.submit(operator, request_id, answer=(ANSWER, "high"), file_ids=(photo,))
    assert row["status"] == "completed", row["result"]
    return request_id, photo


def file_path(url: str) -> str:
    """The API path of an absolute file URL (the test client talks to the app directly)."""
    base = get_settings().api_url.rstrip("/")
    assert url.startswith(base + "/v1/files/"), url
    return url.removeprefix(base)


def owner_of(company_id: str) -> str:
    with unit_of_work(read_only=True) as session:
        return session.execute(select(CompanyMember.user_id).where(CompanyMember.company_id == company_id)
                               .order_by(CompanyMember.id).limit(1)).scalar_one()


def read_as_member(user_id: str, request_id: str) -> dict:
    with unit_of_work() as session:
        return company_request.request_detail(session, resolve_actor(session, user_id), mode="live",
                                              request_id=request_id)


def accesses() -> list[FileAccess]:
    with unit_of_work(read_only=True) as session:
        return list(session.execute(select(FileAccess).order_by(FileAccess.id)).scalars())


def test_the_agent_reads_the_result_with_a_link_that_opens_the_photo(client):
    # given
    agent = w.make_agent()
    request_id, photo = completed_with_photo(agent)

    # when
    body = client.get(f"/v1/requests/{request_id}", headers=agent.headers()).json()
    (entry,) = body["result"]["files"]
    clock.advance(timedelta(seconds=30))
    response = client.get(file_path(entry["url"]))

    # then the result names the file and the link opens it
    assert {key: entry[key] for key in ("id", "name", "content_type", "size", "expires_at")} == {
        "id": photo, "name": "meter.jpg", "content_type": "image/jpeg", "size": len(w.JPEG),
        "expires_at": "2026-03-02T09:05:00Z"}
    assert response.status_code == 200
    assert response.content == w.JPEG
    assert response.headers["content-type"] == "image/jpeg"
    assert response.headers["cache-control"] == "private, no-store"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["content-disposition"].startswith("inline;")
    assert "meter.jpg" in response.headers["content-disposition"]
    # and the access is logged with who the link was issued to
    (logged,) = accesses()
    assert (logged.upload_id, logged.request_id, logged.audience) == (photo, request_id, f"agent_key:{agent.key_id}")
    assert logged.accessed_at == w.T0 + timedelta(seconds=30)


def test_an_expired_link_is_410_and_serves_no_bytes(client):
    # given
    agent = w.make_agent()
    request_id, _ = completed_with_photo(agent)
    (entry,) = client.get(f"/v1/requests/{request_id}", headers=agent.headers()).json()["result"]["files"]

    # when
    clock.advance(timedelta(seconds=get_settings().file_link_ttl_seconds))
    response = client.get(file_path(entry["url"]))

    # then
    assert_error(response, status=410, code="expired")
    assert w.JPEG not in response.content
    assert accesses() == []


@pytest.mark.parametrize("mangle", [lambda path: path[:-2] + ("00" if not path.endswith("00") else "11"),
                                    lambda path: path.replace("/v1/files/", "/v1/files/A"),
                                    lambda path: "/v1/files/" + "x" * 700])
def test_a_tampered_link_is_404_and_serves_no_bytes(client, mangle):
    # given
    agent = w.make_agent()
    request_id, _ = completed_with_photo(agent)
    (entry,) = client.get(f"/v1/requests/{request_id}", headers=agent.headers()).json()["result"]["files"]

    # when
    response = client.get(mangle(file_path(entry["url"])))

    # then
    assert response.status_code in (404, 422)
    assert response.json()["error"]["code"] in ("not_found", "validation_error")
    assert w.JPEG not in response.content
    assert accesses() == []


def test_the_company_member_gets_links_issued_to_them(client):
    # given
    agent = w.make_agent()
    request_id, _ = completed_with_photo(agent)
    member = owner_of(agent.company_id)

    # when
    shown = read_as_member(member, request_id)
    (proof,) = shown["result"].files
    response = client.get(file_path(proof.url))

    # then
    assert (proof.name, proof.is_image, proof.kind) == ("meter.jpg", True, "JPEG image")
    assert shown["result"].answer == ANSWER
    assert shown["result"].verification == "Checked automatically: 100/100 — every proof requirement is addressed"
    assert response.content == w.JPEG
    assert [row.audience for row in accesses()] == [f"company_member:{member}"]


def test_another_company_gets_no_link(client):
    # given a completed request of one company and a member and an agent of another
    agent = w.make_agent()
    request_id, _ = completed_with_photo(agent)
    stranger_agent = w.make_agent(company_name="Other Co")
    stranger = owner_of(stranger_agent.company_id)

    # when
    response = client.get(f"/v1/requests/{request_id}", headers=stranger_agent.headers())

    # then
    assert_error(response, status=404, code="not_found")
    assert "/v1/files/" not in response.text
    with pytest.raises(NotFound):
        read_as_member(stranger, request_id)


def test_staff_read_any_request_with_links_issued_to_them(client):
    # given another company's completed request
    agent = w.make_agent()
    request_id, photo = completed_with_photo(agent)
    staff = w.staff_headers()

    # when
    body = client.get(f"/v1/admin/requests/{request_id}", headers=staff).json()
    (entry,) = body["result"]["files"]
    response = client.get(file_path(entry["url"]))

    # then
    assert (body["request_id"], body["company_id"], entry["id"]) == (request_id, agent.company_id, photo)
    assert response.content == w.JPEG
    (logged,) = accesses()
    assert logged.audience.startswith("staff:usr_")


def test_a_company_member_cannot_read_through_the_staff_route(client):
    agent = w.make_agent()
    request_id, _ = completed_with_photo(agent)

    response = client.get(f"/v1/admin/requests/{request_id}", headers=w.company_headers())

    assert_error(response, status=403, code="forbidden")
    assert "/v1/files/" not in response.text


def test_the_service_itself_refuses_a_non_staff_reader():
    # given a request and an operator (not staff) who asks the staff reader directly
    agent = w.make_agent()
    request_id, _ = completed_with_photo(agent)
    operator = w.make_operator()

    # when / then
    with unit_of_work() as session, pytest.raises(Forbidden):
        requests.get_request_for_staff(session, staff_id=operator.user_id, request_id=request_id)
