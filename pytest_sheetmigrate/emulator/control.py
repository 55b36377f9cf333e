"""The operations on the server itself: the control API under ``/_emulator/`` and ``/token``.

Each is a function of the running server (:class:`Server`: its store, stats, fault rules,
quotas and accounts) and the parameters the operation table (:mod:`operations`) gives it; it
answers a JSON object. None knows HTTP. The control operations that change the spreadsheet
state (declaring an account, creating a shared drive) are state operations (``DriveService``),
journaled like API writes; seeding a spreadsheet runs ordinary journaled operations.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import TYPE_CHECKING, Any, Protocol

from . import exceptions
from .faults import FaultRuleError

if TYPE_CHECKING:
    from .accounts import Accounts
    from .faults import FaultRules, Stats
    from .quotas import Quotas
    from .store import Store

JWT_BEARER_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
TOKEN_LIFETIME_S = 3599


class Server(Protocol):
    """What the operations on the server reach (the HTTP app holds them)."""

    store: Store
    stats: Stats
    faults: FaultRules
    quotas: Quotas | None
    accounts: Accounts
    sharing: bool


class OAuthError(Exception):
    """The token endpoint's refusal: ``{"error", "error_description"}`` with status 400."""

    def __init__(self, error: str, description: str) -> None:
        super().__init__(description)
        self.body = {"error": error, "error_description": description}


def reset(server: Server) -> dict[str, Any]:
    """Forget every spreadsheet, fault rule, count and quota use."""
    server.store.reset()
    server.faults.clear()
    server.stats.reset()
    if server.quotas is not None:
        server.quotas.reset()
    return {}


def stats_get(server: Server) -> dict[str, Any]:
    return server.stats.to_json()


def stats_reset(server: Server) -> dict[str, Any]:
    server.stats.reset()
    return {}


def faults_set(server: Server, rules: Any) -> dict[str, Any]:
    try:
        return {"rules": server.faults.set(rules)}
    except FaultRuleError as error:
        raise exceptions.invalid_argument(str(error)) from None


def faults_clear(server: Server) -> dict[str, Any]:
    server.faults.clear()
    return {}


def seed(server: Server, body: dict[str, Any]) -> dict[str, Any]:
    """Create a spreadsheet from ``{"title", "owner"?, "sheets": [{"title", "values", ...}]}``.

    The spreadsheet is built with ordinary (journaled) operations, values written RAW; the grid
    is at least 1000 x 26 and grows to fit the values.
    """
    sheets = body.get("sheets") or [{"title": "Sheet1"}]
    owner = body.get("owner") if server.sharing else None
    create: dict[str, Any] = {
        "properties": {"title": body.get("title", "Untitled spreadsheet")},
        "sheets": [
            {
                "properties": {
                    "title": sheet.get("title", f"Sheet{n}"),
                    "gridProperties": {
                        "rowCount": sheet.get("rowCount")
                        or max(1000, len(sheet.get("values") or [])),
                        "columnCount": sheet.get("columnCount")
                        or max(26, max(map(len, sheet.get("values") or [[]]))),
                    },
                }
            }
            for n, sheet in enumerate(sheets, start=1)
        ],
    }
    created = server.store.execute("spreadsheets_create", {"body": create, "seeded": True}, owner)
    spreadsheet_id = created["spreadsheetId"]
    for sheet, props in zip(sheets, create["sheets"], strict=True):
        if sheet.get("values"):
            title = props["properties"]["title"].replace("'", "''")
            server.store.execute(
                "values_update",
                {
                    "spreadsheet_id": spreadsheet_id,
                    "range": f"'{title}'!A1",
                    "body": {"values": sheet["values"]},
                    "value_input_option": "RAW",
                    "include_values_in_response": None,
                    "response_value_render_option": None,
                    "response_date_time_render_option": None,
                },
                owner,
            )
    return {"spreadsheetId": spreadsheet_id}


def token_exchange(server: Server, grant_type: str | None, assertion: str) -> dict[str, Any]:
    """google-auth's service-account grant. The assertion's signature is NOT verified."""
    if grant_type != JWT_BEARER_GRANT:
        raise OAuthError("unsupported_grant_type", f"Invalid grant_type: {grant_type}")
    issuer = _jwt_issuer(assertion)
    if issuer is None:
        raise OAuthError("invalid_grant", "Invalid JWT: no 'iss' claim.")
    return {
        "access_token": server.accounts.issue(issuer),
        "expires_in": TOKEN_LIFETIME_S,
        "token_type": "Bearer",
    }


def _jwt_issuer(assertion: str) -> str | None:
    try:
        payload = assertion.split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (IndexError, ValueError, binascii.Error):
        return None
    issuer = claims.get("iss") if isinstance(claims, dict) else None
    return issuer if isinstance(issuer, str) and issuer else None
