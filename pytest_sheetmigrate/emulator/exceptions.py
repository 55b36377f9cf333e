"""API errors rendered in Google's wire format.

Every failure of an emulated operation is an :class:`ApiError`. It carries the HTTP code, the
``google.rpc.Code`` status name and the message, and renders itself the way each API does::

    Sheets v4   {"error": {"code": 400, "message": "...", "status": "INVALID_ARGUMENT"}}
    Drive v3    {"error": {"code": 404, "message": "File not found: X.",
                           "errors": [{"message": ..., "domain": "global", "reason": "notFound",
                                       "location": "fileId", "locationType": "parameter"}]}}

The factories below build the errors the emulator raises most; their messages are Google's own.
"""

from __future__ import annotations

from typing import Any, Literal

Api = Literal["sheets", "drive"]

# Drive v3's per-error `reason` for a status, used when a factory does not name one.
_DRIVE_REASONS = {
    "NOT_FOUND": "notFound",
    "INVALID_ARGUMENT": "badRequest",
    "PERMISSION_DENIED": "insufficientFilePermissions",
    "UNAUTHENTICATED": "authError",
    "RESOURCE_EXHAUSTED": "rateLimitExceeded",
}


class ApiError(Exception):
    """An error answer of the Sheets or Drive API."""

    def __init__(
        self,
        code: int,
        status: str,
        message: str,
        *,
        drive_reason: str | None = None,
        drive_location: str | None = None,
        drive_domain: str = "global",
    ) -> None:
        super().__init__(message)
        self.code = code
        self.status = status
        self.message = message
        self.drive_reason = drive_reason
        self.drive_location = drive_location
        self.drive_domain = drive_domain

    def to_json(self, api: Api = "sheets") -> dict[str, Any]:
        """The JSON body Google sends for this error."""
        if api == "sheets":
            return {"error": {"code": self.code, "message": self.message, "status": self.status}}
        detail: dict[str, Any] = {
            "message": self.message,
            "domain": self.drive_domain,
            "reason": self.drive_reason or _DRIVE_REASONS.get(self.status, "backendError"),
        }
        if self.drive_location:
            detail["location"] = self.drive_location
            detail["locationType"] = "parameter"
        return {"error": {"code": self.code, "message": self.message, "errors": [detail]}}

    def __repr__(self) -> str:
        return f"ApiError({self.code}, {self.status!r}, {self.message!r})"


def invalid_argument(message: str) -> ApiError:
    return ApiError(400, "INVALID_ARGUMENT", message)


def invalid_request(index: int, kind: str, reason: str) -> ApiError:
    """A batchUpdate request refused: ``Invalid requests[i].<kind>: <reason>``."""
    return invalid_argument(f"Invalid requests[{index}].{kind}: {reason}")


def not_found(message: str = "Requested entity was not found.") -> ApiError:
    return ApiError(404, "NOT_FOUND", message)


def file_not_found(file_id: str) -> ApiError:
    """Drive's 404 for an unknown (or invisible) file id."""
    return ApiError(
        404,
        "NOT_FOUND",
        f"File not found: {file_id}.",
        drive_reason="notFound",
        drive_location="fileId",
    )


def insufficient_file_permissions() -> ApiError:
    """Drive's 403 for a change the caller's role on the file does not allow."""
    return ApiError(
        403,
        "PERMISSION_DENIED",
        "The user does not have sufficient permissions for this file.",
        drive_reason="insufficientFilePermissions",
    )


def storage_quota_exceeded() -> ApiError:
    """Drive's 403 when a service account would own a new file (gspread issue 1592: "APIError:
    [403]: The user's Drive storage quota has been exceeded.", domain usageLimits; kopia issue
    2656: "Error 403: The user's Drive storage quota has been exceeded., storageQuotaExceeded")."""
    return ApiError(
        403,
        "PERMISSION_DENIED",
        "The user's Drive storage quota has been exceeded.",
        drive_reason="storageQuotaExceeded",
        drive_domain="usageLimits",
    )


def permission_denied(message: str = "The caller does not have permission") -> ApiError:
    return ApiError(403, "PERMISSION_DENIED", message)


def unauthenticated() -> ApiError:
    return ApiError(
        401,
        "UNAUTHENTICATED",
        "Request is missing required authentication credential. Expected OAuth 2 access token, "
        "login cookie or other valid authentication credential. See "
        "https://developers.google.com/identity/sign-in/web/devconsole-project.",
    )


def resource_exhausted(
    quota_metric: str = "Read requests", limit: str = "per minute per user"
) -> ApiError:
    """The 429 Sheets answers past a per-minute quota."""
    return ApiError(
        429,
        "RESOURCE_EXHAUSTED",
        f"Quota exceeded for quota metric '{quota_metric}' and limit '{quota_metric} {limit}' "
        "of service 'sheets.googleapis.com' for consumer 'project_number:0'.",
    )


def internal(message: str = "Internal error encountered.") -> ApiError:
    return ApiError(500, "INTERNAL", message)


def unavailable(message: str = "The service is currently unavailable.") -> ApiError:
    return ApiError(503, "UNAVAILABLE", message)
