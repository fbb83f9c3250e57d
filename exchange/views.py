"""The page 谁查询了我的数据: every lookup of the signed-in person's own data."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from accounts.identity import mask_id_number

from .selectors import lookups_of_person

LOOKUPS_PER_PAGE = 20


@login_required
def my_data_access(request: HttpRequest) -> HttpResponse:
    """My data as the exchange gave it out, newest first (a constant number of queries)."""
    page = Paginator(lookups_of_person(request.user), LOOKUPS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "exchange/my_data_access.html",
        {
            "page": page,
            "lookups": page.object_list,
            "identity": mask_id_number(request.user.identity_number),
        },
    )
