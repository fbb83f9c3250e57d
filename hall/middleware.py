"""Request guards and response headers that every page and API answer shares.

- ``RequestGuardMiddleware`` answers input no view should see: a NUL byte anywhere in the URL
  or a header (PostgreSQL refuses NUL in text, so a lookup with it would be a 500), and an
  upload body larger than the file limit, refused from its Content-Length before any is read.
- ``NoStoreMiddleware`` keeps personal answers out of every cache: API answers, pages under
  the personal and staff prefixes, and any answer to a request with a session or a token.
"""

from collections.abc import Callable
from urllib.parse import unquote_to_bytes

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _

from .errors import error_response

# Room for the multipart envelope and the form's other fields around the one file.
MULTIPART_OVERHEAD_BYTES = 64 * 1024
PERSONAL_PREFIXES = (
    "/api/",
    "/my/",
    "/cases/",
    "/desk/",
    "/supervision/",
    "/accounts/",
    "/admin/",
    "/kiosk/tickets/",
)


def _nul_in_url(request: HttpRequest) -> bool:
    return "\x00" in request.path or b"\x00" in unquote_to_bytes(
        request.META.get("QUERY_STRING", "")
    )


def _nul_in_headers(request: HttpRequest) -> bool:
    """Credentials and cookies go to database lookups as they are."""
    return any(
        "\x00" in value
        for key, value in request.META.items()
        if key.startswith("HTTP_") and isinstance(value, str)
    )


def upload_body_limit() -> int:
    """The largest multipart body accepted: one file at the limit plus the form around it."""
    return settings.MATERIAL_MAX_UPLOAD_BYTES + MULTIPART_OVERHEAD_BYTES


def _content_length(request: HttpRequest) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


class RequestGuardMiddleware:
    """Refuse NUL bytes in the URL or headers (400) and oversized uploads unread (413)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if _nul_in_url(request) or _nul_in_headers(request):
            return error_response(
                request,
                status=400,
                code="invalid_characters",
                detail=_("网址中含有不允许的字符。")
                if _nul_in_url(request)
                else _("请求中含有不允许的字符。"),
            )
        content_type = request.META.get("CONTENT_TYPE", "")
        if (
            content_type.startswith("multipart/form-data")
            and _content_length(request) > upload_body_limit()
        ):
            from cases.services.intake import size_label

            return error_response(
                request,
                status=413,
                code="file_too_large",
                detail=_("文件过大：单个文件不能超过 %(limit)s。")
                % {"limit": size_label(settings.MATERIAL_MAX_UPLOAD_BYTES)},
            )
        return self.get_response(request)


class NoStoreMiddleware:
    """``Cache-Control: no-store`` on personal answers that do not set their own."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.has_header("Cache-Control"):
            return response
        # A session or a token may make any page personal; read neither to find out.
        personal = (
            settings.SESSION_COOKIE_NAME in request.COOKIES
            or "HTTP_AUTHORIZATION" in request.META
            or request.path.startswith(PERSONAL_PREFIXES)
        )
        if personal:
            patch_cache_control(response, private=True, no_store=True)
        return response
