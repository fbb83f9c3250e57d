"""Uploaded material files, served only to people allowed to see the case."""

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest

from ..access import can_view
from ..models import (
    MaterialFile,
)


@login_required
def material_file(request: HttpRequest, number: str, file_id: int) -> FileResponse:
    """Send one uploaded file; 404 for anyone who may not see the case (no hint it exists)."""
    stored = (
        MaterialFile.objects.select_related("material__case")
        .filter(pk=file_id, material__case__number=number)
        .first()
    )
    if stored is None or not can_view(request.user, stored.material.case):
        raise Http404
    response = FileResponse(
        stored.file.open("rb"),
        content_type=stored.content_type,
        as_attachment=stored.content_type == "application/pdf",
        filename=stored.original_name,
    )
    response["Cache-Control"] = "private, no-store"
    return response


# The citizen's pages ---------------------------------------------------------------------

# Online application needs at least online pre-review (三星：网上预审); below that the guide
# only tells the applicant what to bring to the hall.
