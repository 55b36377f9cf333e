"""How the local server's answers are written: JSON as Google writes it, errors, media.

Answers of the emulated APIs (errors included) are pretty-printed as Google's are, byte for
byte as in the recordings (2-space indent, ``": "``, non-ASCII as UTF-8, a final newline),
unless the request has the standard parameter ``prettyPrint=false`` (then compact JSON). An
``ApiError`` becomes Google's error JSON in the shape of the API it came from (Sheets or
Drive). The control API and ``/token`` answer compact JSON.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import orjson
from werkzeug.wrappers import Request, Response

from . import exceptions
from .exceptions import ApiError
from .operations import Operation
from .quotas import Refusal

_JSON = "application/json; charset=UTF-8"


def encode_json(obj: Any, *, pretty: bool = False) -> bytes:
    """UTF-8 JSON encoded once by orjson (a whole-sheet answer of 74 MB takes about a tenth of
    a second compact). ``pretty`` is Google's pretty form: orjson's 2-space indent, which is
    byte for byte what every JSON answer in the recordings (../shared/fidelity/) is, plus the
    final newline Google sends. What orjson refuses (an int past 64 bits, a lone surrogate) is
    encoded by the standard library instead, with non-ASCII escaped."""
    try:
        if pretty:
            options = orjson.OPT_NON_STR_KEYS | orjson.OPT_INDENT_2 | orjson.OPT_APPEND_NEWLINE
            return orjson.dumps(obj, option=options)
        return orjson.dumps(obj, option=orjson.OPT_NON_STR_KEYS)
    except (orjson.JSONEncodeError, TypeError):
        if pretty:
            return json.dumps(obj, indent=2).encode() + b"\n"
        return json.dumps(obj, separators=(",", ":")).encode()


def json_response(
    body: Any,
    status: int = 200,
    headers: Mapping[str, str] | None = None,
    *,
    pretty: bool = False,
) -> Response:
    """A JSON answer, sent with its length."""
    return Response(
        encode_json(body, pretty=pretty),
        status=status,
        headers=dict(headers or {}),
        content_type=_JSON,
    )


def error_response(error: ApiError, api: str, *, pretty: bool = True) -> Response:
    headers = {}
    if error.code == 401:
        headers["WWW-Authenticate"] = 'Bearer realm="https://accounts.google.com/"'
    return json_response(
        error.to_json("drive" if api == "drive" else "sheets"), error.code, headers, pretty=pretty
    )


def pretty_print(request: Request) -> bool:
    """The standard ``prettyPrint`` parameter: answers are pretty unless it is false."""
    value = request.args.get("prettyPrint")
    return value is None or value.strip().lower() not in {"false", "0"}


def quota_error(refusal: Refusal) -> ApiError:
    """Google's answer past a quota: Sheets' 429, or Drive's 403 rate-limit errors."""
    if refusal.limit.api == "drive":
        return exceptions.drive_rate_limit_exceeded(per_user=refusal.limit.per_user)
    return exceptions.quota_exceeded(refusal.limit)


def render(operation: Operation, result: Any, kwargs: dict[str, Any], pretty: bool) -> Response:
    """An emulated operation's answer: JSON, media (an export) or no content (a Drive delete)."""
    if result is None or operation.no_content:
        return Response(b"", status=204, content_type="text/html")
    if isinstance(result, bytes | str):
        data = result.encode() if isinstance(result, str) else result
        return Response(data, content_type=kwargs.get("mime_type") or "application/octet-stream")
    return json_response(result, pretty=pretty)
