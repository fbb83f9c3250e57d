"""Rating on a device the applicant touches: the page a signed link opens (no sign-in)."""

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from .. import services
from ..exceptions import CaseError
from ..forms import RatingForm
from ..models import RatingAbout
from .common import _validation_messages


@never_cache
def rate_by_link(request: HttpRequest, token: str) -> HttpResponse:
    """The rating page the window's screen or the receipt's QR code opens for one case.

    The link is signed and expires; it rates the case once. A bad rating given here is about
    the window's service unless the applicant says it is about the decision.
    """
    try:
        case = services.rating_link_case(token)
    except CaseError as error:
        return render(
            request, "cases/rate_link.html", {"error": error.detail}, status=error.status_code
        )
    rated = hasattr(case, "rating")
    context = {"case": case, "rated": rated, "token": token}
    if rated:
        return render(request, "cases/rate_link.html", context)
    form = RatingForm(request.POST or None, initial={"about": RatingAbout.WINDOW})
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                services.rating_create_by_link(
                    token=token,
                    score=form.cleaned_data["score"],
                    comment=form.cleaned_data["comment"],
                    about=form.cleaned_data["about"],
                )
            except CaseError as error:
                form.add_error(None, error.detail)
                status = error.status_code
            except ValidationError as error:
                form.add_error(None, "；".join(_validation_messages(error)))
            else:
                return render(request, "cases/rate_link.html", {**context, "thanks": True})
    return render(request, "cases/rate_link.html", {**context, "rating_form": form}, status=status)
