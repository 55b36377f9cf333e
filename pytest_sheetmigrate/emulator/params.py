"""A request's parameters, read as its operation's table entry says: path + query + body -> kwargs.

:func:`parse` gives a handler exactly the parameters its :class:`~operations.Operation` lists,
each read from the place its :class:`~operations.Source` names (a query parameter under the
API's camelCase name); a parameter the request leaves out is None (or the entry's default).
Also here: the JSON body (its parse errors as Google words them, the canonical body of the
discovery check preferred), and Google's request size limit (10,485,760 bytes), checked from
the Content-Length before the body is read (a chunked body is read up to the limit).
"""

from __future__ import annotations

import io
import json
from typing import Any

from werkzeug.wrappers import Request

from . import exceptions
from .operations import Operation, Param, Source

# Google's request size limit ("Request payload size exceeds the limit: 10485760 bytes.").
MAX_PAYLOAD_BYTES = 10_485_760
# Where the discovery check leaves the body it parsed and made canonical.
CHECKED_BODY = "sheetmigrate.checked_body"


def parse(operation: Operation, request: Request, path_args: dict[str, Any]) -> dict[str, Any]:
    """The handler's keyword arguments for ``request`` (internal parameters left out)."""
    kwargs: dict[str, Any] = {}
    body: dict[str, Any] | None = None
    for param in operation.params:
        source = param.source
        if source is Source.INTERNAL:
            continue
        if source in (Source.BODY, Source.BODY_FIELD) and body is None:
            body = read_body(request)
        if source is Source.BODY:
            kwargs[param.name] = body
        elif source is Source.BODY_FIELD:
            assert body is not None
            kwargs[param.name] = body.get(param.wire_name, param.default)
        else:
            kwargs[param.name] = _value(param, request, path_args)
    return kwargs


def _value(param: Param, request: Request, path_args: dict[str, Any]) -> Any:
    args, source = request.args, param.source
    if source is Source.PATH:
        return path_args[param.name]
    if source is Source.QUERY:
        return args.get(param.wire_name)
    if source is Source.FLAG:
        return _flag(args.get(param.wire_name))
    if source is Source.NUMBER:
        return _int(args.get(param.wire_name), param.name)
    if source is Source.REPEATED:
        return args.getlist(param.wire_name)
    if source is Source.FORM_FIELD:
        return request.form.get(param.wire_name, param.default)
    if source is Source.MEDIA:
        return request.get_data(cache=False).decode("utf-8", errors="replace")
    if source is Source.MEDIA_TYPE:
        return request.mimetype or None
    raise AssertionError(f"no parameter source {source}")


def _flag(value: str | None) -> bool | None:
    if value is None:
        return None
    return value.strip().lower() in {"true", "1"}


def _int(value: str | None, name: str) -> int | None:
    if value is None:
        return None
    try:
        return int(value)
    except ValueError:
        raise exceptions.invalid_argument(
            f"Invalid value at '{name}' (TYPE_INT32), \"{value}\""
        ) from None


def read_body(request: Request) -> dict[str, Any]:
    """The JSON body (an object; ``{}`` when empty), or Google's 400 for anything else."""
    checked = request.environ.get(CHECKED_BODY)
    if checked is not None:  # parsed and made canonical by the strictness check
        return dict(checked)
    raw = request.get_data(cache=False)
    if not raw.strip():
        return {}
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise exceptions.invalid_argument(
            "Invalid JSON payload received. Unexpected token."
        ) from None
    if not isinstance(body, dict):
        raise exceptions.invalid_argument(
            "Invalid JSON payload received. Expected an object at the top level."
        )
    return body


def json_or_none(request: Request) -> Any:
    """The JSON body for the strictness check (cached for the parser), or None if the body is
    empty, not JSON (:func:`read_body` refuses it then) or a media upload."""
    if request.mimetype not in ("", "application/json"):
        return None
    raw = request.get_data(cache=True)
    try:
        return json.loads(raw) if raw.strip() else None
    except (ValueError, UnicodeDecodeError):
        return None


def check_payload_size(request: Request, operation: Operation) -> None:
    """Refuse a body over Google's limit: by its Content-Length, without reading it. A body
    without one (chunked) is read up to one byte past the limit, and kept for the parsers.
    A media upload (gspread's import_csv) is not held to it: uploads go to a separate
    endpoint with its own, far larger limits."""
    if any(param.source is Source.MEDIA for param in operation.params):
        return
    if request.content_length is not None:
        if request.content_length > MAX_PAYLOAD_BYTES:
            raise exceptions.payload_too_large(MAX_PAYLOAD_BYTES)
        return
    environ = request.environ
    if not environ.get("wsgi.input_terminated"):
        return
    data = bytearray()
    while len(data) <= MAX_PAYLOAD_BYTES and (chunk := environ["wsgi.input"].read(1 << 20)):
        data += chunk
    if len(data) > MAX_PAYLOAD_BYTES:
        raise exceptions.payload_too_large(MAX_PAYLOAD_BYTES)
    # The body, read, handed to werkzeug as an ordinary sized one.
    environ["wsgi.input"] = io.BytesIO(bytes(data))
    environ["CONTENT_LENGTH"] = str(len(data))
    del environ["wsgi.input_terminated"]
    environ.pop("HTTP_TRANSFER_ENCODING", None)
