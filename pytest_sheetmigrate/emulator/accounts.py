"""The accounts of the local server: bearer tokens and the account e-mails they stand for.

No HTTP here: the app asks :meth:`Accounts.email_for` for a request's bearer token, and the
token exchange (:mod:`control`) issues tokens with :meth:`Accounts.issue`.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping

ISSUED_TOKEN_PREFIX = "ya29.emulator."

AccountSpec = str | Mapping[str, str]


class Accounts:
    """Bearer tokens and the account e-mails they stand for.

    With no mapping (and sharing off) every bearer token is accepted. A mapping's value is the
    account's e-mail, or ``{"email": ..., "type": "service_account" | "user"}`` to declare its
    kind (:attr:`service_accounts`). Tokens this server issues at ``/token`` encode the
    account's e-mail, so they stay valid across restarts; they are not signed, and the JWT
    assertion's signature is not verified either: this is a local emulator. Such a token is not
    made a service account's (on Google every JWT-bearer service-account token is one): declare
    the account for that.
    """

    def __init__(self, tokens: Mapping[str, AccountSpec] | None) -> None:
        self.tokens: dict[str, str] | None = None
        self.service_accounts: set[str] = set()
        if tokens is None:
            return
        self.tokens = {}
        for token, spec in tokens.items():
            if isinstance(spec, str):
                self.tokens[token] = spec
                continue
            email, kind = spec.get("email"), spec.get("type", "user")
            if not isinstance(email, str) or kind not in ("user", "service_account"):
                raise ValueError(
                    f'account {token!r}: expected "<e-mail>" or '
                    '{"email": "<e-mail>", "type": "user" | "service_account"}'
                )
            self.tokens[token] = email
            if kind == "service_account":
                self.service_accounts.add(email)

    def issue(self, email: str) -> str:
        encoded = base64.urlsafe_b64encode(email.encode()).decode().rstrip("=")
        return ISSUED_TOKEN_PREFIX + encoded

    def email_for(self, token: str) -> str | None:
        if self.tokens is not None and token in self.tokens:
            return self.tokens[token]
        if token.startswith(ISSUED_TOKEN_PREFIX):
            encoded = token.removeprefix(ISSUED_TOKEN_PREFIX)
            try:
                return base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)).decode()
            except (binascii.Error, UnicodeDecodeError):
                return None
        return None
