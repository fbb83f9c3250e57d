"""The payment pages: the payer's page (``/pay/<reference>/``, the ``pay_url`` the API gives)
the desk's counter payment (``/desk/cases/<number>/payment/``) and its confirmation that a
counter-paid fee was handed back (``/desk/cases/<number>/payment/refund/``).

The payer's page answers the session's user and an API client by its token alike
(``accounts.callers.request_caller``, as the paper downloads do): JSON to an API client, a
page to a browser. Anyone but the applicant's side of the case gets 404 (no hint it exists).
A ``POST`` pays: with the simulated gateway the payer's confirmation is the payment; with the
payment platform the order is placed and the browser sent to the platform's page (an API
client gets its ``gateway_url``). A second ``POST`` answers the payment as it is.
"""

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.middleware.csrf import CsrfViewMiddleware
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from accounts.callers import request_caller
from cases.access import is_clerk, visible_cases

from .exceptions import PaymentError
from .gateways import local_pay_url
from .models import Payment, PaymentStatus
from .services import (
    may_pay,
    payment_checkout,
    payment_confirm_counter_refund,
    payment_record_counter,
)


def _api_client(request: HttpRequest) -> bool:
    return "HTTP_AUTHORIZATION" in request.META or "application/json" in request.headers.get(
        "Accept", ""
    )


def payment_data(payment: Payment) -> dict:
    """The payment as the payer's page and the API show it."""
    case = payment.case
    return {
        "reference": payment.reference,
        "amount": str(payment.amount),
        "status": payment.status,
        "status_label": str(payment.get_status_display()),
        "method": payment.method or None,
        "paid_at": timezone.localtime(payment.paid_at).isoformat() if payment.paid_at else None,
        "case": case.number,
        "matter": case.title,
        "pay_url": local_pay_url(payment) if payment.status == PaymentStatus.UNPAID else None,
        "gateway_url": payment.gateway_url or None
        if payment.status == PaymentStatus.UNPAID
        else None,
    }


def _not_found(request: HttpRequest) -> HttpResponse:
    if _api_client(request):
        return JsonResponse({"detail": _("未找到。"), "code": "not_found"}, status=404)
    raise Http404


@csrf_exempt  # an API client signs in by token; a session's POST is checked below
@require_http_methods(["GET", "POST"])
def pay(request: HttpRequest, reference: str) -> HttpResponse:
    """The payer's page of a case's fee: amount, matter, case number and 确认支付."""
    # Read before ``request_caller``: DRF's authentication sets ``request.user`` to the token's
    # user, and only a browser's session needs (and has) a CSRF token.
    by_session = request.user.is_authenticated
    caller = request_caller(request)
    if not caller.is_authenticated and not _api_client(request):
        return redirect_to_login(request.get_full_path())
    payment = (
        Payment.objects.select_related("case", "case__matter", "case__bundle")
        .filter(reference=reference)
        .first()
    )
    if payment is None or not may_pay(caller, payment):
        return _not_found(request)
    if request.method == "POST":
        if by_session:  # a browser's session: its CSRF token is required
            refused = CsrfViewMiddleware(lambda r: None).process_view(request, None, (), {})
            if refused is not None:
                return refused
        try:
            payment = payment_checkout(payment=payment, by=caller)
        except PaymentError as error:
            if _api_client(request):
                return JsonResponse(
                    {"detail": error.detail, "code": error.code}, status=error.status_code
                )
            messages.error(request, error.detail)
            return redirect("payments:pay", reference=reference)
        if _api_client(request):
            return JsonResponse(payment_data(payment))
        if payment.status == PaymentStatus.UNPAID and payment.gateway_url:
            return redirect(payment.gateway_url)  # the payment platform's own page
        messages.success(request, _("缴费成功。"))
        return redirect("cases:case-detail", number=payment.case.number)
    if _api_client(request):
        return JsonResponse(payment_data(payment))
    return render(request, "payments/pay.html", {"payment": payment, "case": payment.case})


@require_POST
def counter_payment(request: HttpRequest, number: str) -> HttpResponse:
    """The desk records the fee taken at the counter with its receipt number."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if not is_clerk(request.user):
        raise PermissionDenied(_("只有窗口人员可以登记窗口缴费。"))
    case = visible_cases(request.user).filter(number=number).first()
    if case is None:
        raise Http404
    try:
        payment_record_counter(
            case=case,
            by=request.user,
            receipt=request.POST.get("receipt"),
            method=request.POST.get("method", "counter"),
        )
    except ValidationError as error:
        for text in error.messages:
            messages.error(request, text)
    except PaymentError as error:
        messages.error(request, error.detail)
    else:
        messages.success(request, _("已登记窗口缴费。"))
    return redirect(f"{reverse('windows:case-intake', args=[case.number])}#payment")


@require_POST
def counter_refund(request: HttpRequest, number: str) -> HttpResponse:
    """The desk confirms a fee paid at the counter was handed back in cash (待窗口退费)."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if not is_clerk(request.user):
        raise PermissionDenied(_("只有窗口人员可以确认窗口退费。"))
    case = visible_cases(request.user).filter(number=number).first()
    if case is None:
        raise Http404
    try:
        payment_confirm_counter_refund(case=case, by=request.user)
    except PaymentError as error:
        messages.error(request, error.detail)
    else:
        messages.success(request, _("已确认窗口退费。"))
    return redirect(f"{reverse('windows:case-intake', args=[case.number])}#payment")
