"""Error answers: JSON ``{"detail", "code"}`` under /api/, a page in plain words elsewhere.

Django's own error views answer in English HTML, also to API clients (a body over
DATA_UPLOAD_MAX_MEMORY_SIZE, an unknown API path); these handlers keep every answer in the
shape its caller reads.
"""

from django.core.exceptions import (
    PermissionDenied,
    RequestDataTooBig,
    TooManyFieldsSent,
    TooManyFilesSent,
)
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.html import escape
from django.utils.translation import gettext as _

API_PREFIX = "/api/"
# As the API's own answers (DRF): Chinese as UTF-8, not \u escapes.
UTF8 = {"ensure_ascii": False}


def wants_json(request: HttpRequest) -> bool:
    return request.path.startswith(API_PREFIX)


def error_response(
    request: HttpRequest, *, status: int, code: str, detail: str, reason: str = ""
) -> HttpResponse:
    """The error as the caller reads it: JSON for the API, a short page for a browser."""
    if wants_json(request):
        return JsonResponse({"detail": detail, "code": code}, status=status, json_dumps_params=UTF8)
    context = {"status": status, "code": code, "detail": detail, "reason": reason}
    try:
        body = render_to_string("errors/error.html", context, request=request)
    except Exception:
        body = _plain_page(status, detail)
    return HttpResponse(body, status=status)


def _plain_page(status: int, detail: str) -> str:
    return (
        f'<!DOCTYPE html><html lang="zh-CN"><meta charset="utf-8"><title>{status}</title>'
        f"<h1>{escape(detail)}</h1></html>"
    )


def too_large_detail() -> str:
    return _("提交的内容过大或字段过多，请减少后重试。")


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """400, for the SuspiciousOperation errors Django raises before any view answers."""
    if isinstance(exception, RequestDataTooBig | TooManyFieldsSent | TooManyFilesSent):
        return error_response(
            request, status=400, code="request_too_large", detail=too_large_detail()
        )
    return error_response(request, status=400, code="bad_request", detail=_("请求有误，无法处理。"))


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    # The views raise PermissionDenied with a sentence for the person (in Chinese): show it.
    reason = str(exception) if isinstance(exception, PermissionDenied) and exception.args else ""
    return error_response(
        request,
        status=403,
        code="permission_denied",
        detail=_("您无权访问此页面。"),
        reason=reason,
    )


def csrf_failed_detail() -> str:
    return _("页面已过期，提交未成功。")


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """CSRF_FAILURE_VIEW: a form sent from a stale page (or without the cookie), in words."""
    return error_response(
        request,
        status=403,
        code="csrf_failed",
        detail=csrf_failed_detail(),
        reason=_("请返回上一页，刷新页面后重新提交；如仍不成功，请确认浏览器允许本站使用 Cookie。"),
    )


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return error_response(
        request, status=404, code="not_found", detail=_("页面不存在，或您无权查看。")
    )


def server_error(request: HttpRequest) -> HttpResponse:
    """500 with a page that reads nothing from the database (no request context, no
    navigation of the signed-in user): the fault may be the database."""
    detail = _("系统出现故障，请稍后再试。已提交的内容不会丢失。")
    if wants_json(request):
        return JsonResponse(
            {"detail": detail, "code": "server_error"}, status=500, json_dumps_params=UTF8
        )
    try:
        body = render_to_string("errors/500.html", {"status": 500, "detail": detail})
    except Exception:
        body = _plain_page(500, detail)
    return HttpResponse(body, status=500)
