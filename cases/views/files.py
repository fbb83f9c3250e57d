"""Uploaded material files: served only to people allowed to see the case, removed by the
applicant while the application can still change."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseRedirect,
    JsonResponse,
)
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST
from rest_framework.authentication import SessionAuthentication
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.request import Request
from rest_framework.settings import api_settings

from .. import services
from ..access import can_view
from ..exceptions import CaseError
from ..models import MaterialFile
from .common import _owned_case


def _api_user(request: HttpRequest):
    """The user of the request's API credentials (``Authorization: Token …``), checked by the
    API's own authentication classes, so that a file URL from the API downloads with the
    token that fetched it; ``None`` without credentials. Raises ``AuthenticationFailed``."""
    if "HTTP_AUTHORIZATION" not in request.META:
        return None
    api_request = Request(request)
    for authentication in api_settings.DEFAULT_AUTHENTICATION_CLASSES:
        if issubclass(authentication, SessionAuthentication):
            continue  # the browser session is Django's, already read
        result = authentication().authenticate(api_request)
        if result is not None:
            return result[0]
    return None


@require_GET
def material_file(request: HttpRequest, number: str, file_id: int) -> HttpResponse:
    """Send one uploaded file; 404 for anyone who may not see the case (no hint it exists).

    A browser signs in with its session, an API client with its token; the same rule
    (``can_view``) decides for both. The file goes out under its shown name with the
    extension of its sniffed type, as that type, never sniffed again by the browser.
    """
    user = request.user
    if not user.is_authenticated:
        try:
            user = _api_user(request)
        except AuthenticationFailed as error:
            return JsonResponse(
                {"detail": str(error.detail), "code": "authentication_failed"}, status=401
            )
        if user is None:
            return redirect_to_login(request.get_full_path())
    stored = (
        MaterialFile.objects.select_related("material__case", "material__material_type")
        .filter(pk=file_id, material__case__number=number)
        .first()
    )
    if stored is None or not can_view(user, stored.material.case):
        raise Http404
    response = FileResponse(
        stored.file.open("rb"),
        content_type=stored.content_type,
        as_attachment=stored.content_type == "application/pdf",
        filename=services.material_file_name(
            stored.original_name,
            stored.content_type,
            fallback=stored.material.material_type.name,
        ),
    )
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _back_to(request: HttpRequest, number: str) -> str:
    """The applicant's page the removal came from (the materials step or the case page)."""
    pages = {
        reverse("cases:case-materials", args=[number]),
        reverse("cases:case-detail", args=[number]),
    }
    wanted = request.POST.get("next", "")
    return wanted if wanted in pages else reverse("cases:case-detail", args=[number])


@login_required
@require_POST
def material_file_remove(request: HttpRequest, number: str, file_id: int) -> HttpResponse:
    """Take one of my uploaded files off (to remove it or upload a better one)."""
    case = _owned_case(request, number)
    stored = get_object_or_404(
        MaterialFile.objects.select_related("material"), pk=file_id, material__case=case
    )
    name = stored.original_name
    try:
        services.material_file_remove(stored=stored, by=request.user)
    except CaseError as error:
        messages.error(request, error.detail)
    else:
        messages.success(request, _("已删除文件：%(file)s") % {"file": name})
    return HttpResponseRedirect(_back_to(request, number))
