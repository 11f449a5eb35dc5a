"""Signatures on outgoing webhooks (DESIGN 5, reference 6.4).

HubSpot v3: base64 HMAC-SHA256 with the app's client secret over method + URI + body +
timestamp (milliseconds), the URI percent-decoded for exactly twelve sequences. HubSpot v1:
hex SHA-256 of client secret + body. Standard Webhooks: `v1,` + base64 HMAC-SHA256 with the
decoded `whsec_` secret over `{webhook-id}.{webhook-timestamp}.{body}`; during a rotation's
grace period the header carries one signature per valid secret (space separated).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Sequence

_V3_DECODE = {
    "%3A": ":",
    "%2F": "/",
    "%3F": "?",
    "%40": "@",
    "%21": "!",
    "%24": "$",
    "%27": "'",
    "%28": "(",
    "%29": ")",
    "%2A": "*",
    "%2C": ",",
    "%3B": ";",
}


def v3_uri(url: str) -> str:
    for encoded, decoded in _V3_DECODE.items():
        url = url.replace(encoded, decoded).replace(encoded.lower(), decoded)
    return url


def hubspot_v3(secret: str, *, method: str, url: str, body: bytes, timestamp_ms: int) -> str:
    source = method.upper().encode() + v3_uri(url).encode() + body + str(timestamp_ms).encode()
    digest = hmac.new(secret.encode(), source, hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def hubspot_v1(secret: str, *, body: bytes) -> str:
    return hashlib.sha256(secret.encode() + body).hexdigest()


def standard_webhooks(secret: str, *, msg_id: str, timestamp_s: int, body: bytes) -> str:
    key = base64.b64decode(secret.removeprefix("whsec_"))
    source = f"{msg_id}.{timestamp_s}.".encode() + body
    return "v1," + base64.b64encode(hmac.new(key, source, hashlib.sha256).digest()).decode()


def signed_headers(
    *,
    client_secret: str,
    webhook_secrets: Sequence[str],
    url: str,
    body: bytes,
    msg_id: str,
    now_ms: int,
    method: str = "POST",
) -> dict[str, str]:
    """Every signature header of one request: v3 and v1 with the current client secret,
    Standard Webhooks with each valid webhook secret (current first)."""
    timestamp_s = now_ms // 1000
    return {
        "Content-Type": "application/json",
        "User-Agent": "Frontdesk-Webhooks/1",
        "X-HubSpot-Signature-v3": hubspot_v3(
            client_secret, method=method, url=url, body=body, timestamp_ms=now_ms
        ),
        "X-HubSpot-Request-Timestamp": str(now_ms),
        "X-HubSpot-Signature": hubspot_v1(client_secret, body=body),
        "X-HubSpot-Signature-Version": "v1",
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp_s),
        "webhook-signature": " ".join(
            standard_webhooks(s, msg_id=msg_id, timestamp_s=timestamp_s, body=body)
            for s in webhook_secrets
        ),
    }
