"""My materials locker page (我的材料库) and the removal of an item (POST, confirmed first)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from .exceptions import LockerItemNotFoundError
from .selectors import locker_of
from .services import locker_item_withdraw

PAGE_SIZE = 20


@login_required
@require_GET
def my_locker(request: HttpRequest) -> HttpResponse:
    """The materials the window verified for me, reused by my later applications."""
    page = Paginator(locker_of(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    today = timezone.localdate()
    rows = [{"item": item, "usable": item.is_usable(today)} for item in page.object_list]
    return render(request, "locker/my_locker.html", {"page": page, "rows": rows})


@login_required
@require_http_methods(["GET", "POST"])
def remove(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: ask to confirm; POST: remove the item from my locker."""
    item = locker_of(request.user).filter(pk=pk).first()
    if item is None:
        raise Http404
    if request.method == "GET":
        return render(request, "locker/remove.html", {"item": item})
    try:
        locker_item_withdraw(item_id=item.pk, by=request.user)
    except LockerItemNotFoundError as error:
        raise Http404 from error
    messages.success(request, _("已从材料库删除：%(name)s") % {"name": item.material_type.name})
    return redirect("locker:my-locker")
