"""One exception handler for the API: every error is JSON with ``detail`` and ``code``."""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from accounts.exceptions import DomainError

from ..errors import csrf_failed_detail, too_large_detail


def exception_handler(exc, context):
    """Map domain and Django errors to DRF's, then shape every error body the same way."""
    if isinstance(exc, DomainError):
        body = {"detail": exc.detail, "code": exc.code, **exc.extra}
        return Response(body, status=exc.status_code)
    if isinstance(exc, RequestDataTooBig | TooManyFieldsSent | TooManyFilesSent):
        return Response({"detail": too_large_detail(), "code": "request_too_large"}, status=400)
    if isinstance(exc, RecursionError):
        # The JSON parser gives up on nesting deeper than the interpreter's stack ('[' * 10**5):
        # the body is unreadable input, like any other JSON it cannot parse.
        exc = exceptions.ParseError(_("JSON 格式有误：嵌套层数过多。"))
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        )
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, exceptions.PermissionDenied) and str(exc.detail).startswith("CSRF"):
        # SessionAuthentication's refusal ("CSRF Failed: …") in the words of the portal.
        exc = exceptions.PermissionDenied(csrf_failed_detail(), code="csrf_failed")

    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        data = (
            response.data
            if isinstance(response.data, dict)
            else {"non_field_errors": response.data}
        )
        data.setdefault("detail", _("提交的内容有误，请按提示修改。"))
        data.setdefault("code", "invalid")
        response.data = data
    elif isinstance(response.data, dict) and "detail" in response.data:
        detail = response.data["detail"]
        response.data["code"] = getattr(detail, "code", None) or getattr(
            exc, "default_code", "error"
        )
    return response
