"""A local stand-in for the Stripe API, on 127.0.0.1 at a free port.

It answers the calls the card provider makes with Stripe-shaped JSON, replays
the stored answer for a repeated Idempotency-Key as Stripe does, and records
every request (path, form parameters, idempotency key) for tests to inspect.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit


@dataclass
class Call:
    method: str
    path: str
    params: dict[str, str]
    idempotency_key: str | None
    authorization: str | None


@dataclass
class FakeStripe:
    # What the next answers look like; tests change these.
    status_code: int = 200
    refund_status: str = "succeeded"
    intent_status: str = "succeeded"
    setup_status: str = "succeeded"
    decline_code: str = ""  # "card_declined" or "authentication_required"
    card_brand: str = "visa"
    card_last4: str = "4242"
    calls: list[Call] = field(default_factory=list)
    _replies: dict[tuple[str, str], tuple[int, dict]] = field(default_factory=dict)
    _server: ThreadingHTTPServer | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> FakeStripe:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                fake._handle(self, "GET")

            def do_POST(self) -> None:
                fake._handle(self, "POST")

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(
            target=self._server.serve_forever, args=(0.05,), daemon=True
        ).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def calls_to(self, path: str) -> list[Call]:
        return [call for call in self.calls if call.path == path]

    # --- the API ------------------------------------------------------------

    def _handle(self, handler: BaseHTTPRequestHandler, method: str) -> None:
        parts = urlsplit(handler.path)
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length).decode() if length else parts.query
        params = dict(parse_qsl(body, keep_blank_values=True))
        key = handler.headers.get("Idempotency-Key")
        with self._lock:
            self.calls.append(
                Call(
                    method,
                    parts.path,
                    params,
                    key,
                    handler.headers.get("Authorization"),
                )
            )
            replayed = key is not None and (parts.path, key) in self._replies
            if replayed:
                status, reply = self._replies[(parts.path, key)]
            else:
                status, reply = self._answer(method, parts.path, params)
                if key is not None and status < 500:
                    self._replies[(parts.path, key)] = (status, reply)
        data = json.dumps(reply).encode()
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(data)))
        handler.send_header("Request-Id", "req_" + secrets.token_hex(7))
        if replayed:
            handler.send_header("Idempotent-Replayed", "true")
        handler.end_headers()
        handler.wfile.write(data)

    def _answer(
        self, method: str, path: str, params: dict[str, str]
    ) -> tuple[int, dict]:
        if self.status_code >= 500:
            return self.status_code, _error("api_error", "Something went wrong.")
        if method == "POST" and path == "/v1/checkout/sessions":
            if params.get("mode") == "setup":
                return 200, self._setup_session(params)
            return 200, self._session(params)
        if method == "POST" and path == "/v1/customers":
            return 200, {
                "id": "cus_" + secrets.token_hex(7),
                "object": "customer",
                "email": params.get("email"),
                "metadata": _metadata(params),
            }
        if method == "GET" and path.startswith("/v1/setup_intents/"):
            return 200, self._retrieved_setup_intent(path.rsplit("/", 1)[1])
        if method == "POST" and path == "/v1/payment_intents":
            return self._intent(params)
        if method == "GET" and path.startswith("/v1/payment_intents/"):
            return 200, self._retrieved_intent(path.rsplit("/", 1)[1])
        if method == "POST" and path == "/v1/refunds":
            return 200, self._refund(params)
        if method == "POST" and path.startswith("/v1/checkout/sessions/"):
            session_id = path.split("/")[4]
            return 200, {
                "id": session_id,
                "object": "checkout.session",
                "status": "expired",
            }
        return 404, _error("invalid_request_error", "Unrecognized request URL.")

    def _session(self, params: dict[str, str]) -> dict:
        session_id = "cs_test_" + secrets.token_hex(12)
        return {
            "id": session_id,
            "object": "checkout.session",
            "amount_subtotal": int(params["line_items[0][price_data][unit_amount]"]),
            "amount_total": int(params["line_items[0][price_data][unit_amount]"]),
            "cancel_url": params.get("cancel_url"),
            "client_reference_id": params.get("client_reference_id"),
            "created": int(time.time()),
            "currency": params.get("line_items[0][price_data][currency]"),
            "customer_email": params.get("customer_email"),
            "expires_at": int(params.get("expires_at", 0)),
            "livemode": False,
            "metadata": _metadata(params),
            "mode": params.get("mode"),
            "payment_intent": None,
            "payment_status": "unpaid",
            "status": "open",
            "success_url": params.get("success_url"),
            "url": f"https://checkout.stripe.com/c/pay/{session_id}",
        }

    def _setup_session(self, params: dict[str, str]) -> dict:
        session_id = "cs_test_" + secrets.token_hex(12)
        return {
            "id": session_id,
            "object": "checkout.session",
            "cancel_url": params.get("cancel_url"),
            "client_reference_id": params.get("client_reference_id"),
            "currency": params.get("currency"),
            "customer": params.get("customer"),
            "metadata": _metadata(params),
            "mode": "setup",
            "payment_status": "no_payment_required",
            "setup_intent": "seti_" + secrets.token_hex(12),
            "status": "open",
            "success_url": params.get("success_url"),
            "url": f"https://checkout.stripe.com/c/pay/{session_id}",
        }

    def _retrieved_setup_intent(self, intent_id: str) -> dict:
        return {
            "id": intent_id,
            "object": "setup_intent",
            "status": self.setup_status,
            "payment_method": {
                "id": "pm_" + secrets.token_hex(12),
                "object": "payment_method",
                "type": "card",
                "card": {"brand": self.card_brand, "last4": self.card_last4},
            },
        }

    def _intent(self, params: dict[str, str]) -> tuple[int, dict]:
        amount = int(params["amount"])
        intent = {
            "id": "pi_" + secrets.token_hex(12),
            "object": "payment_intent",
            "amount": amount,
            "amount_received": amount if self.intent_status == "succeeded" else 0,
            "currency": params.get("currency"),
            "customer": params.get("customer"),
            "payment_method": params.get("payment_method"),
            "latest_charge": "ch_" + secrets.token_hex(12),
            "livemode": False,
            "metadata": _metadata(params),
            "status": self.intent_status,
        }
        if self.decline_code:
            intent["status"] = "requires_payment_method"
            intent["amount_received"] = 0
            error = _error("card_error", "Your card was declined.")
            error["error"].update(
                code=self.decline_code,
                decline_code="generic_decline",
                payment_intent=intent,
            )
            return 402, error
        return 200, intent

    def _retrieved_intent(self, intent_id: str) -> dict:
        return {
            "id": intent_id,
            "object": "payment_intent",
            "status": "succeeded",
            "latest_charge": {
                "id": "ch_" + secrets.token_hex(12),
                "object": "charge",
                "payment_method_details": {
                    "type": "card",
                    "card": {"brand": self.card_brand, "last4": self.card_last4},
                },
            },
        }

    def _refund(self, params: dict[str, str]) -> dict:
        return {
            "id": "re_" + secrets.token_hex(12),
            "object": "refund",
            "amount": int(params["amount"]),
            "currency": "usd",
            "charge": "ch_" + secrets.token_hex(12),
            "metadata": _metadata(params),
            "payment_intent": params.get("payment_intent"),
            "status": self.refund_status,
        }


def _metadata(params: dict[str, str]) -> dict[str, str]:
    return {
        name[len("metadata[") : -1]: value
        for name, value in params.items()
        if name.startswith("metadata[")
    }


def _error(kind: str, message: str) -> dict:
    return {"error": {"type": kind, "message": message}}


def event(kind: str, obj: dict, *, event_id: str | None = None, created=None) -> str:
    """A webhook body as Stripe sends it."""
    return json.dumps(
        {
            "id": event_id or "evt_" + secrets.token_hex(12),
            "object": "event",
            "api_version": "2026-10-28.endive",
            "created": int(time.time()) if created is None else created,
            "data": {"object": obj},
            "livemode": False,
            "pending_webhooks": 1,
            "type": kind,
        }
    )


def sign(payload: str, secret: str, *, timestamp: int | None = None) -> str:
    """The Stripe-Signature header: HMAC-SHA256 of "{timestamp}.{payload}"."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    digest = hmac.new(
        secret.encode(), f"{timestamp}.{payload}".encode(), hashlib.sha256
    ).hexdigest()
    return f"t={timestamp},v1={digest}"
