"""The URL map of the local Sheets server: each route of the operation table, a werkzeug ``Map``.

Each rule's endpoint is its :class:`~operations.Operation` (:mod:`operations` names the
method, the rule and everything else about it).

Paths arrive percent-decoded (WSGI ``PATH_INFO``). gspread quotes ranges with ``safe=""``, so a
range may contain ``/``, ``:``, ``!`` and quotes: ranges use the ``path`` converter and ids a
converter that stops at ``:``, so ``<id>:batchUpdate`` and ``values/<range>:append`` split where
Google splits them.
"""

from __future__ import annotations

from werkzeug.routing import BaseConverter, Map, Rule

from .operations import OPERATIONS


class FileIdConverter(BaseConverter):
    """A spreadsheet / Drive file id: one path segment, never containing ``:``."""

    regex = "[^/:]+"


url_map = Map(
    [
        Rule(operation.rule, methods=[operation.method], endpoint=operation)
        for operation in OPERATIONS.values()
    ],
    converters={"file_id": FileIdConverter},
    strict_slashes=False,
    merge_slashes=False,
)
