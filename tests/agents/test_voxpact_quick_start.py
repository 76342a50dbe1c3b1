"""The VoxPact quick start, end to end by API from a clean database (issue 14's acceptance):
register → the activation mail in the outbox → activate → the key mailed → a token → an
authenticated call → rotate → the old key and the old token refused, the new key working."""

from __future__ import annotations

import re

from tests.agents.registration_helpers import KEY, activation_secret, mailed_key, mails
from tests.support import api_client

OWNER = "quick@example.com"


def test_the_whole_quick_start_by_api():
    with api_client() as client:
        # register (public)
        registered = client.post("/v1/agents/register", json={
            "name": "Quick Scout", "owner_email": OWNER, "description": "Finds things.",
            "category": "research", "capabilities": ["search"]})
        assert registered.status_code == 201, registered.text
        assert registered.json()["status"] == "pending_verification"
        agent_id = registered.json()["agent_id"]

        # the activation mail is in the outbox; its link's details, then activation
        secret = activation_secret(OWNER)
        details = client.get(f"/v1/agents/activation/{secret}").json()
        assert (details["agent_id"], details["fee"]) == (agent_id, "0.00EUR")
        activated = client.post(f"/v1/agents/activation/{secret}", json={"accept_terms": True})
        assert activated.status_code == 200 and "pk_" not in activated.text

        # the key arrives by mail only; a token for it authenticates an agent call
        key = mailed_key(OWNER)
        token = client.post("/v1/agents/auth/token", json={"api_key": key, "owner_email": OWNER}).json()["token"]
        bearer = {"Authorization": f"Bearer {token}"}
        assert client.get("/v1/agents/me", headers=bearer).json()["id"] == agent_id
        assert client.get("/v1/requests", headers=bearer).status_code == 200

        # rotate: the answer never carries the key; the old key and the old token stop at once
        rotated = client.post("/v1/agents/rotate-key", headers=bearer)
        assert rotated.status_code == 200, rotated.text
        for old in (key, token):
            assert client.get("/v1/requests", headers={"Authorization": f"Bearer {old}"}).status_code == 401
        [rotation_mail] = mails("agent_key_rotated", OWNER)
        new_key = re.search(KEY, rotation_mail.body_text).group(1)
        assert new_key != key and new_key not in rotated.text and new_key.startswith(rotated.json()["key_prefix"])
        assert client.get("/v1/requests", headers={"Authorization": f"Bearer {new_key}"}).status_code == 200
