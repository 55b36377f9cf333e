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

from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from .quotas import Limit

Api = Literal["sheets", "drive"]

# The consumer named in quota errors: the emulator's stand-in for a Cloud project number.
PROJECT_NUMBER = "0"

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
        details: list[dict[str, Any]] | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.status = status
        self.message = message
        self.drive_reason = drive_reason
        self.drive_location = drive_location
        self.drive_domain = drive_domain
        self.details = details

    def to_json(self, api: Api = "sheets") -> dict[str, Any]:
        """The JSON body Google sends for this error."""
        if api == "sheets":
            error = {"code": self.code, "message": self.message, "status": self.status}
            if self.details:
                error["details"] = self.details
            return {"error": error}
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


def quota_exceeded(limit: Limit) -> ApiError:
    """The 429 Sheets answers past a per-minute quota, with Google's ``details``.

    Body as recorded by r-lib/gargle (fixture sheets-spreadsheets-get-quota-exceeded-
    readgroup_429, 2025; the message also in AutomaApp/automa issue 1877, Sage-Bionetworks/
    data_curator issue 110 for 'Write requests'). The per-project limit's name ("Read requests
    per minute") is from r-lib/gargle issue 160 and benborgers/opensheet issue 22; its metadata
    (``ReadRequestsPerMinutePerProject``, unit ``1/min/{project}``) is by analogy (unverified).
    """
    return ApiError(
        429,
        "RESOURCE_EXHAUSTED",
        f"Quota exceeded for quota metric '{limit.metric}' and limit '{limit.name}' of service "
        f"'sheets.googleapis.com' for consumer 'project_number:{PROJECT_NUMBER}'.",
        details=[
            {
                "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                "reason": "RATE_LIMIT_EXCEEDED",
                "domain": "googleapis.com",
                "metadata": {
                    "quota_limit_value": str(limit.value),
                    "service": "sheets.googleapis.com",
                    "consumer": f"projects/{PROJECT_NUMBER}",
                    "quota_unit": limit.unit,
                    "quota_location": "global",
                    "quota_metric": limit.quota_metric,
                    "quota_limit": limit.quota_limit,
                },
            },
            {
                "@type": "type.googleapis.com/google.rpc.Help",
                "links": [
                    {
                        "description": "Request a higher quota limit.",
                        "url": "https://cloud.google.com/docs/quotas/help/request_increase",
                    }
                ],
            },
        ],
    )


def drive_rate_limit_exceeded(*, per_user: bool, code: int = 403) -> ApiError:
    """Drive's answer past a rate limit: 403 ``userRateLimitExceeded`` for the per-user limit.

    "If you exceed a quota, you'll receive a 403: User rate limit exceeded ... might also
    generate a 429" (Drive API "Usage limits" guide); the body as reported in
    ericberman/MyFlightbookWeb issue 843 (errors[] with domain usageLimits). The project-wide
    limit's ``rateLimitExceeded`` / "Rate Limit Exceeded" is from odeke-em/drive issue 480
    (its domain unverified).
    """
    reason, message = (
        ("userRateLimitExceeded", "User rate limit exceeded.")
        if per_user
        else ("rateLimitExceeded", "Rate Limit Exceeded")
    )
    return ApiError(
        code, "RESOURCE_EXHAUSTED", message, drive_reason=reason, drive_domain="usageLimits"
    )


def payload_too_large(limit: int) -> ApiError:
    """A request body over Google's limit (PSGSuite issue 62, talendcomp_tGoogleSheet issue 1)."""
    return invalid_argument(f"Request payload size exceeds the limit: {limit} bytes.")


def internal(message: str = "Internal error encountered.") -> ApiError:
    return ApiError(500, "INTERNAL", message)


def unavailable(message: str = "The service is currently unavailable.") -> ApiError:
    return ApiError(503, "UNAVAILABLE", message)
