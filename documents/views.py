"""HTML views of documents: downloads (permission-checked), guides, verification, wallet."""

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from accounts.callers import request_caller
from accounts.ratelimits import address_limited, rate_limited_response
from cases.access import can_view
from matters.selectors import matter_detail_queryset

from .models import Document, DocumentKind
from .selectors import document_for_download, licences_of_user
from .services import document_ready, guide_pdf, licence_standing, licence_verify


def may_download(user, document: Document) -> bool:
    """Those who may see the case; for an e-licence certificate, also its holder."""
    if can_view(user, document.case):
        return True
    return (
        document.kind == DocumentKind.LICENCE
        and licences_of_user(user).filter(document=document).exists()
    )


@require_GET
def document_download(request: HttpRequest, number: str, kind: str) -> HttpResponse:
    """Send a case's PDF to the session's user or an API client (its token); 404 for anyone
    who may not see the case (no hint it exists). A paper nobody rendered yet is rendered
    now from its snapshot, once, and kept."""
    document = document_for_download(number, kind) if kind in DocumentKind.values else None
    if document is not None and may_download(request_caller(request), document):
        document = document_ready(document)
    else:
        document = None
    if document is None:
        if "HTTP_AUTHORIZATION" in request.META:  # an API client: the API's JSON error
            return JsonResponse({"detail": _("未找到。"), "code": "not_found"}, status=404)
        raise Http404
    response = FileResponse(
        document.file.open("rb"),
        content_type="application/pdf",
        as_attachment=False,
        filename=f"{document.case.number}-{document.title}.pdf",
    )
    response["Cache-Control"] = "private, no-store"
    return response


@require_GET
def matter_guide_pdf(request: HttpRequest, code: str) -> HttpResponse:
    """The printable guide (办事指南) of a published matter."""
    matter = get_object_or_404(matter_detail_queryset(), code=code)
    response = HttpResponse(guide_pdf(matter), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{matter.code}-guide.pdf"'
    return response


@require_GET
def licence_verify_page(request: HttpRequest, code: str) -> HttpResponse:
    """Public verification of an e-licence by its code: valid, revoked, expired or not found."""
    if address_limited(request, "verify"):
        return rate_limited_response(request)
    verification = licence_verify(code)
    if verification is None:
        return render(request, "documents/verify.html", {"found": False}, status=404)
    return render(
        request,
        "documents/verify.html",
        {
            "found": True,
            "verification": verification,
            "facts": verification.public_facts() if verification.genuine else None,
        },
        status=200 if verification.genuine else 409,
    )


@login_required
@require_GET
def my_licences(request: HttpRequest) -> HttpResponse:
    """The citizen's e-licence wallet (我的电子证照)."""
    today = timezone.localdate()
    licences = [
        {"licence": lic, "status": licence_standing(lic, today)}
        for lic in licences_of_user(request.user)
    ]
    return render(request, "documents/my_licences.html", {"licences": licences})
