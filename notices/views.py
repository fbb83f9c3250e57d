"""The account's e-mail address for notices (我的账户 → 电子邮箱): set, confirm, remove; and the
message centre (消息中心) for in-portal messages."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from .exceptions import EmailAddressError
from .forms import EmailAddressForm
from .inbox import inbox_mark_read, inbox_of
from .models import EmailAddress
from .services import email_address_confirm, email_address_remove, email_address_request

MESSAGES_PER_PAGE = 20


@login_required
@require_http_methods(["GET", "POST"])
def email_address(request: HttpRequest) -> HttpResponse:
    """Show the confirmed and the pending address; a new address gets a confirmation link."""
    form = EmailAddressForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            email_address_request(
                user=request.user, email=form.cleaned_data["email"], by=request.user
            )
        except EmailAddressError as error:
            form.add_error("email", error.detail)
        else:
            messages.success(
                request,
                _("确认邮件已发送至 %(email)s，请在邮件中点击链接完成确认。")
                % {"email": form.cleaned_data["email"]},
            )
            return redirect("notices:email")
    address = EmailAddress.objects.filter(user=request.user).first()
    status = 400 if form.errors else 200
    return render(
        request, "notices/email_address.html", {"form": form, "address": address}, status=status
    )


@login_required
@require_http_methods(["GET", "POST"])
def email_confirm(request: HttpRequest, token: str) -> HttpResponse:
    """The link in the confirmation e-mail: a button confirms (a GET alone changes nothing)."""
    if request.method == "POST":
        try:
            address = email_address_confirm(token=token, by=request.user)
        except EmailAddressError as error:
            return render(
                request,
                "notices/email_confirm.html",
                {"error": error.detail},
                status=error.status_code,
            )
        messages.success(
            request,
            _("邮箱 %(email)s 已确认，今后的办件通知也会发到该邮箱。") % {"email": address.email},
        )
        return redirect("notices:email")
    return render(request, "notices/email_confirm.html", {"token": token})


@login_required
@require_POST
def email_remove(request: HttpRequest) -> HttpResponse:
    """Stop e-mail notices for the signed-in account."""
    email_address_remove(user=request.user, by=request.user)
    messages.success(request, _("已停用邮件通知。"))
    return redirect("notices:email")


@login_required
def message_centre(request: HttpRequest) -> HttpResponse:
    """消息中心: the signed-in person's in-portal messages, newest first, 20 a page; what this
    page shows unread is marked read once it is shown (it stays flagged as new on this view)."""
    page = Paginator(inbox_of(request.user), MESSAGES_PER_PAGE).get_page(request.GET.get("page"))
    messages_shown = list(page.object_list)
    unread_ids = [notice.pk for notice in messages_shown if notice.read_at is None]
    if unread_ids:
        inbox_mark_read(request.user, ids=unread_ids)
    return render(
        request,
        "notices/message_centre.html",
        {"page": page, "notices": messages_shown, "new_ids": set(unread_ids)},
    )
