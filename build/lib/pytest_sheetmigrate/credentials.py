"""Credentials: the ways gspread users authenticate, through google-auth.

Order: an explicit service-account JSON (``--credentials`` or ``GOOGLE_APPLICATION_CREDENTIALS``),
then OAuth user credentials where gspread stores them (``~/.config/gspread/authorized_user.json``),
then application default credentials. Against a local server without credentials, a static token.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import google.auth
import google.auth.exceptions
from google.auth.credentials import Credentials
from google.oauth2 import credentials as user_credentials
from google.oauth2 import service_account

from .errors import CredentialsError

# Copy needs Drive, reads and writes need Sheets; drive.file would not see sheets made by others.
SCOPES = (
    "https://www.googleapis.com/auth/spreadsheets",
    "https://www.googleapis.com/auth/drive",
)
GSPREAD_AUTHORIZED_USER = Path("~/.config/gspread/authorized_user.json").expanduser()


def load_credentials(path: Path | None, *, local_server: bool) -> Credentials | None:
    """Credentials for the run; None means a local server's static token."""
    if path is not None:
        return _from_file(path)
    if local_server:
        return None
    if GSPREAD_AUTHORIZED_USER.exists():
        return _from_file(GSPREAD_AUTHORIZED_USER)
    try:
        found, _project = google.auth.default(scopes=list(SCOPES))
    except google.auth.exceptions.DefaultCredentialsError:
        raise CredentialsError(
            "no Google credentials found: pass --credentials path/to/service-account.json, "
            "set GOOGLE_APPLICATION_CREDENTIALS, or run `gcloud auth application-default login`"
        ) from None
    return found


def _from_file(path: Path) -> Credentials:
    if not path.is_file():
        raise CredentialsError(
            f"credentials file {path} does not exist: download the service account's JSON key "
            "(IAM > Service accounts > Keys) and pass its path with --credentials"
        )
    try:
        info: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError):
        raise CredentialsError(
            f"credentials file {path} is not valid JSON: download the key again"
        ) from None
    kind = info.get("type") if isinstance(info, dict) else None
    try:
        if kind == "service_account":
            return service_account.Credentials.from_service_account_info(info, scopes=SCOPES)
        if kind == "authorized_user":
            return user_credentials.Credentials.from_authorized_user_info(info, scopes=SCOPES)
    except (ValueError, KeyError) as error:
        raise CredentialsError(
            f"credentials file {path} is incomplete or damaged ({_without_secrets(error)}): "
            "download the key again"
        ) from None
    raise CredentialsError(
        f"credentials file {path} is of type {kind!r}: use a service-account key "
        '("type": "service_account") or gspread\'s authorized_user.json'
    )


def account_of(credentials: Credentials | None) -> str | None:
    """The e-mail the API sees, for messages such as 'share the sheet with ...'."""
    return getattr(credentials, "service_account_email", None)


def _without_secrets(error: Exception) -> str:
    text = str(error)
    return "key material" if "PRIVATE KEY" in text else text[:120]
