"""A throwaway service account for the local server: a fresh RSA key and its JSON key file.

The local server answers google-auth's token exchange at ``/token`` without checking the JWT's
signature, so any well-formed key works; it is generated, never a real one. For tests and
benchmarks (it needs ``cryptography``, a dev dependency); nothing of the server imports it.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

SERVICE_ACCOUNT = "migrator@demo-project.iam.gserviceaccount.com"
PRIVATE_KEY_ID = "3f1c9a0be27d4c55a1d0e8b6c4f2a7d9e1b3c5f7"


@cache
def private_key_pem() -> str:
    """A 2048-bit RSA key in PKCS#8 PEM, made once per test process."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


def service_account_info(token_uri: str, **overrides: Any) -> dict[str, Any]:
    """The fields of a service account's JSON key, as the Cloud console downloads it."""
    info: dict[str, Any] = {
        "type": "service_account",
        "project_id": "demo-project",
        "private_key_id": PRIVATE_KEY_ID,
        "private_key": private_key_pem(),
        "client_email": SERVICE_ACCOUNT,
        "client_id": "104236985561234567890",
        "auth_uri": "https://accounts.google.com/o/oauth2/auth",
        "token_uri": token_uri,
    }
    info.update(overrides)
    return info


def write_key_file(path: Path, info: Any) -> Path:
    path.write_text(json.dumps(info), encoding="utf-8")
    return path
