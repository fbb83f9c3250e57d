"""The desk's side of the courier integration: ordering again after a failed order."""

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.exceptions import DomainError
from cases.access import is_clerk, visible_cases

from .models import Shipment
from .services import shipment_reorder


@require_POST
def shipment_reorder_view(request: HttpRequest, number: str) -> HttpResponse:
    """重新下单 at the desk: clerks only, for a shipment whose ordering failed."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if not is_clerk(request.user):
        raise PermissionDenied(_("只有窗口人员可以使用窗口工作台。"))
    case = get_object_or_404(visible_cases(request.user), number=number)
    shipment = get_object_or_404(Shipment, case=case)
    try:
        shipment_reorder(shipment=shipment, by=request.user)
    except DomainError as error:
        messages.error(request, error.detail)
    else:
        messages.success(request, _("已重新向快递公司下单，运单号返回后显示。"))
    return redirect("windows:case-intake", number=case.number)
