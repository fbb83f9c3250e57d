"""Pages that sit on top of every app."""

from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from matters.models import Board, Bundle, CatalogStatus
from matters.selectors import popular_matters


def home(request: HttpRequest) -> HttpResponse:
    """The portal's home page: search box, boards, most-used matters, bundles.

    Three queries whatever the catalog's size: boards with their counts of published matters,
    the most used matters, the published bundles with their counts of matters.
    """
    boards = Board.objects.annotate(
        published_count=Count("matters", filter=Q(matters__status=CatalogStatus.PUBLISHED))
    ).order_by("order", "code")
    bundles = Bundle.published.annotate(matter_count=Count("items")).order_by("code")
    return render(
        request,
        "hall/home.html",
        {
            "boards": list(boards),
            "popular": list(popular_matters()),
            "bundles": list(bundles),
        },
    )
