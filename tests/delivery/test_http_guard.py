"""The SSRF guard at connect time, and what a refused or failed POST means for a job."""

from __future__ import annotations

import pytest

from frontdesk.apps.service import SigningSecrets
from frontdesk.core import http
from frontdesk.delivery.send import WebhookClient, classify
from tests.receiver import Receiver

SECRETS = SigningSecrets("client-secret", ("whsec_" + "A" * 43 + "=",))


@pytest.mark.asyncio
async def test_the_resolver_refuses_internal_addresses_at_connect_time() -> None:
    resolver = http.GuardedResolver()
    try:
        with pytest.raises(http.BlockedAddress):
            await resolver.resolve("localhost", 80)
    finally:
        await resolver.close()


@pytest.mark.parametrize(
    "address", ["127.0.0.1", "10.0.0.1", "172.16.5.4", "192.168.1.1", "169.254.169.254", "::1",
                "fe80::1", "100.64.0.1", "0.0.0.0", "::ffff:127.0.0.1"],  # noqa: S104
)  # fmt: skip
def test_internal_addresses_are_not_public(address: str) -> None:
    assert not http.address_is_public(address)


def test_public_addresses_are_public() -> None:
    assert http.address_is_public("93.184.216.34")
    assert http.address_is_public("2606:2800:220:1::1")


@pytest.mark.asyncio
async def test_a_delivery_to_a_private_target_dies_unless_allowed(receiver: Receiver) -> None:
    strict = WebhookClient(timeout_s=5, allow_private=False)
    try:
        outcome = await strict.post(url=receiver.url, payload={}, secrets=SECRETS, event_id="e1")
    finally:
        await strict.close()
    assert outcome.result == "dead"
    assert "private" in (outcome.error or "")
    assert receiver.received == []
    allowed = WebhookClient(timeout_s=5, allow_private=True)
    try:
        outcome = await allowed.post(url=receiver.url, payload={}, secrets=SECRETS, event_id="e1")
    finally:
        await allowed.close()
    assert outcome.result == "done"


@pytest.mark.asyncio
async def test_redirects_are_not_followed(receiver: Receiver) -> None:
    from tests.receiver import Behaviour

    receiver.script = [Behaviour(status=302, headers={"Location": "http://169.254.169.254/"})]
    client = WebhookClient(timeout_s=5, allow_private=True)
    try:
        outcome = await client.post(url=receiver.url, payload={}, secrets=SECRETS, event_id="e")
    finally:
        await client.close()
    assert (outcome.result, outcome.response_status) == ("dead", 302)
    assert len(receiver.received) == 1


@pytest.mark.parametrize(
    ("status", "result"),
    [(200, "done"), (204, "done"), (429, "retry"), (500, "retry"), (503, "retry"),
     (400, "dead"), (401, "dead"), (403, "dead"), (404, "dead"), (405, "dead")],
)  # fmt: skip
def test_answers_are_classified_as_hubspot_documents(status: int, result: str) -> None:
    outcome = classify(http.HttpResult(status, "x" * 5000, {"retry-after": "7"}))
    assert outcome.result == result
    assert len(outcome.response_body or "") == 1024  # the first KiB is kept
    if status == 429:
        assert outcome.retry_after_s == 7
