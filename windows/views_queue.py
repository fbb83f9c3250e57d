"""The hall floor's pages: the kiosk (取号机), the printed ticket, the display board, the
desk's queue panel and the citizen's appointments.

Views parse, call one service or selector, and render; the services decide and refuse.
"""

from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from django_fsm import can_proceed

from accounts.exceptions import DomainError
from accounts.identity import mask_id_number, validate_id_number, validate_mobile
from accounts.ratelimits import address_limited, rate_limited_response
from halls.availability import matters_taken_in_at
from halls.models import Hall
from halls.selectors import city_centre, staff_hall
from matters.models import Board, Matter

from . import selectors
from .halls import boards_served
from .kiosk import kiosk_forget, kiosk_of, kiosk_remember
from .models import Appointment, Kiosk, Slot, Ticket, Window
from .services import (
    appointment_book,
    appointment_cancel,
    appointment_check_in_by,
    ticket_call_next,
    ticket_done,
    ticket_no_show,
    ticket_recall,
    ticket_serve,
    ticket_take,
    ticket_transfer,
)
from .services import kiosk_register as kiosk_register_service
from .views import SESSION_APPLICANT, clerk_required

TICKET_SALT = "windows.ticket"


class KioskForm(forms.Form):
    board = forms.ModelChoiceField(
        Board.objects.none(),
        to_field_name="code",
        label=gettext_lazy("办理板块"),
        error_messages={
            "required": gettext_lazy("请选择办理板块。"),
            "invalid_choice": gettext_lazy("本网点不办理该板块的业务，请选择列表中的板块。"),
        },
    )
    id_number = forms.CharField(
        label=gettext_lazy("身份证号码（选填）"), required=False, max_length=18
    )
    phone = forms.CharField(label=gettext_lazy("手机号码（选填）"), required=False, max_length=11)

    def __init__(self, *args, hall: Hall, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["board"].queryset = boards_served(hall)

    def clean_id_number(self) -> str:
        value = self.cleaned_data["id_number"].strip()
        return validate_id_number(value) if value else ""

    def clean_phone(self) -> str:
        value = self.cleaned_data["phone"].strip()
        return validate_mobile(value) if value else ""


class CheckInForm(forms.Form):
    code = forms.CharField(label=gettext_lazy("预约码"), required=False, max_length=20)
    id_number = forms.CharField(
        label=gettext_lazy("预约人身份证号码"), required=False, max_length=18
    )

    def clean_id_number(self) -> str:
        value = self.cleaned_data["id_number"].strip()
        return validate_id_number(value) if value else ""

    def clean(self) -> dict:
        data = super().clean()
        if not data.get("code") and not data.get("id_number") and not self.errors:
            self.add_error("code", _("请输入预约码。"))
        return data


class KioskRegisterForm(forms.Form):
    name = forms.CharField(
        label=gettext_lazy("取号机名称"),
        max_length=50,
        help_text=gettext_lazy("如“一楼大厅1号取号机”；同名取号机将被重新启用"),
    )


def _ticket_url(ticket: Ticket) -> str:
    # The ticket page is reached by a signed token, not a guessable id.
    token = signing.dumps(ticket.pk, salt=TICKET_SALT)
    return reverse("queue:ticket-detail", args=[token])


def _queue_hall(code: str | None) -> Hall:
    """The hall of a kiosk or board page: ``code``, else the city centre; 404 when unknown."""
    if code is None:
        return city_centre()
    return get_object_or_404(Hall, code=code, active=True)


def _no_queue(request: HttpRequest, hall: Hall) -> HttpResponse:
    """A hall without a queue has no kiosk and no board: say so, and where to go instead."""
    return render(
        request,
        "windows/no_queue.html",
        {"hall": hall, "halls": selectors.appointment_halls()},
        status=404,
    )


def kiosk(request: HttpRequest, hall: str | None = None) -> HttpResponse:
    """A hall's kiosk: take a ticket for a board the hall serves, or check in an appointment
    of this hall for a priority ticket.

    Anyone may take a plain ticket. Check-in is by the booking's code; by ID number only on a
    browser staff registered as a kiosk of this hall.
    """
    hall = _queue_hall(hall)
    if not hall.has_queue:
        return _no_queue(request, hall)
    device = kiosk_of(request)
    if request.method == "POST" and address_limited(request, "tickets"):
        return rate_limited_response(request)
    form = KioskForm(prefix="take", hall=hall)
    check_in = CheckInForm(prefix="checkin")
    # Each form names itself: a ticket form sent without a board is still the ticket form,
    # and its error belongs under the board choice, not under the check-in.
    taking = request.POST.get("form") == "take" or "take-board" in request.POST
    if request.method == "POST" and taking:
        form = KioskForm(request.POST, prefix="take", hall=hall)
        if form.is_valid():
            try:
                ticket = ticket_take(hall=hall, **form.cleaned_data)
            except DomainError as error:
                form.add_error("board", error.detail)
            else:
                return redirect(_ticket_url(ticket))
    elif request.method == "POST":
        check_in = CheckInForm(request.POST, prefix="checkin")
        if check_in.is_valid():
            try:
                ticket = appointment_check_in_by(kiosk=device, hall=hall, **check_in.cleaned_data)
            except DomainError as error:
                check_in.add_error(None, error.detail)
            else:
                return redirect(_ticket_url(ticket))
    boards = selectors.board_snapshot(hall=hall)["boards"]
    return render(
        request,
        "windows/kiosk.html",
        {
            "hall": hall,
            "form": form,
            "check_in": check_in,
            "boards": boards,
            # ID-number check-in only on a kiosk registered at this hall.
            "device": device if device is not None and device.hall_id == hall.pk else None,
        },
    )


def kiosk_register(request: HttpRequest) -> HttpResponse:
    """Staff make this browser a kiosk (or stop it being one): a signed cookie naming it."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if not request.user.has_perm("windows.add_kiosk"):
        raise PermissionDenied(_("只有大厅管理人员可以登记自助取号机。"))
    form = KioskRegisterForm()
    if request.method == "POST" and "forget" in request.POST:
        response = redirect("windows:kiosk-register")
        kiosk_forget(response)
        messages.success(request, _("本设备已不再作为自助取号机。"))
        return response
    hall = staff_hall(request.user)
    if request.method == "POST":
        form = KioskRegisterForm(request.POST)
        if form.is_valid():
            try:
                device = kiosk_register_service(
                    name=form.cleaned_data["name"], by=request.user, hall=hall
                )
            except DomainError as error:
                form.add_error(None, error.detail)
            else:
                response = redirect(_kiosk_url(device.hall))
                kiosk_remember(response, device)
                messages.success(
                    request,
                    _("本设备已登记为%(hall)s的“%(n)s”。")
                    % {"hall": device.hall.name, "n": device.name},
                )
                return response
    return render(
        request,
        "windows/kiosk_register.html",
        {
            "form": form,
            "hall": hall,
            "device": kiosk_of(request),
            "kiosks": Kiosk.objects.filter(hall=hall),
        },
    )


def _kiosk_url(hall: Hall) -> str:
    if hall.is_city_centre:
        return reverse("queue:kiosk")
    return reverse("queue:hall-kiosk", args=[hall.code])


def ticket_detail(request: HttpRequest, token: str) -> HttpResponse:
    """The printable ticket: number, board, how many ahead, the estimated wait."""
    try:
        pk = signing.loads(token, salt=TICKET_SALT, max_age=24 * 3600)
    except signing.BadSignature as error:
        raise Http404 from error
    ticket = get_object_or_404(Ticket.objects.select_related("board", "hall", "window"), pk=pk)
    ahead, minutes = selectors.estimated_wait_minutes(ticket)
    waiting = can_proceed(ticket.call)
    return render(
        request,
        "windows/ticket.html",
        {
            "ticket": ticket,
            "hall": ticket.hall,
            "kiosk_url": _kiosk_url(ticket.hall),
            "ahead": ahead,
            "minutes": minutes,
            "waiting": waiting,
        },
    )


def board(request: HttpRequest, hall: str | None = None) -> HttpResponse:
    """A hall's large-screen display: latest calls and waiting counts; refreshes itself."""
    hall = _queue_hall(hall)
    if not hall.has_queue:
        return _no_queue(request, hall)
    source = f"{reverse('api:board')}?{urlencode({'hall': hall.code})}"
    return render(
        request,
        "windows/board.html",
        {"hall": hall, "source": source, "snapshot": selectors.board_snapshot(hall=hall)},
    )


# The desk's queue panel --------------------------------------------------------------------


def _my_window(request: HttpRequest) -> Window:
    window = selectors.clerk_window(request.user)
    if window is None:
        raise Http404(_("您尚未被安排到窗口。"))
    return window


@clerk_required
def queue_panel(request: HttpRequest) -> HttpResponse:
    """The clerk's window in their own hall: the current ticket and the actions on it."""
    window = selectors.clerk_window(request.user)
    panel = selectors.window_panel(window) if window else {"current": None, "waiting": 0}
    return render(
        request,
        "windows/ticket_panel.html",
        {
            "window": window,
            "boards": boards_served(window.hall) if window else [],
            "masked_id": mask_id_number(panel["current"].id_number) if panel["current"] else "",
            **panel,
        },
    )


def _open_for(request: HttpRequest, ticket: Ticket) -> HttpResponse:
    """Where 开始办理 leads: the ticket's case, else the desk with the ticket's applicant
    ready for a new application (and their cases listed)."""
    if ticket.case_id is not None:
        return redirect("windows:case-intake", number=ticket.case.number)
    identity = ticket.id_number
    if not identity and ticket.appointment_id is not None:
        user = ticket.appointment.user
        identity = user.id_number or user.credit_code
    prefill = selectors.applicant_prefill(identity) if identity else {}
    if prefill:
        request.session[SESSION_APPLICANT] = prefill
    else:
        request.session.pop(SESSION_APPLICANT, None)
    messages.info(
        request, _("正在办理 %(n)s：请选择事项新办，或打开申请人的办件。") % {"n": ticket.number}
    )
    return redirect(f"{reverse('windows:desk-home')}?serving={ticket.pk}")


@require_POST
@clerk_required
def queue_action(request: HttpRequest, action: str) -> HttpResponse:
    """Call next, recall, no-show, serve, transfer or finish at the clerk's window."""
    window = _my_window(request)
    by = request.user
    try:
        if action == "call-next":
            current = request.POST.get("current")
            ticket = ticket_call_next(window=window, by=by, current=current)
            if ticket is None:
                messages.info(request, _("当前无人等候。"))
            else:
                messages.success(request, _("已叫号 %(n)s。") % {"n": ticket.number})
            return redirect("windows:queue-panel")
        ticket = get_object_or_404(
            Ticket.objects.select_related("case", "appointment__user"),
            pk=request.POST.get("ticket"),
            window=window,
        )
        if action == "recall":
            ticket_recall(ticket=ticket, by=by)
        elif action == "no-show":
            ticket_no_show(ticket=ticket, by=by)
        elif action == "serve":
            ticket_serve(ticket=ticket, by=by)
            return _open_for(request, ticket)
        elif action == "done":
            ticket_done(ticket=ticket, by=by)
        elif action == "transfer":
            to_board = get_object_or_404(
                boards_served(window.hall), code=request.POST.get("board", "")
            )
            new = ticket_transfer(ticket=ticket, to_board=to_board, by=by)
            messages.success(request, _("已转至%(b)s，新号 %(n)s。") % {"b": to_board, "n": new})
        else:
            raise Http404
    except DomainError as error:
        messages.error(request, error.detail)
    return redirect("windows:queue-panel")


# Appointments ------------------------------------------------------------------------------


class AppointmentSearchForm(forms.Form):
    """Which slots to show: a hall (one with a queue), a board it serves or a matter it takes in
    (the matter's board), and a day in the hall's booking window."""

    hall = forms.ChoiceField(
        required=False,
        label=gettext_lazy("办理网点"),
        error_messages={"invalid_choice": gettext_lazy("请选择列表中的网点。")},
    )
    board = forms.ModelChoiceField(
        Board.objects.none(),
        to_field_name="code",
        required=False,
        label=gettext_lazy("办理板块"),
        empty_label=gettext_lazy("请选择板块"),
        error_messages={"invalid_choice": gettext_lazy("请选择列表中的板块。")},
    )
    matter = forms.ChoiceField(
        required=False,
        label=gettext_lazy("或按事项"),
        help_text=gettext_lazy("选择要办的事项，自动对应其办理板块。"),
        error_messages={"invalid_choice": gettext_lazy("请选择列表中的事项。")},
    )
    date = forms.DateField(
        required=False,
        label=gettext_lazy("预约日期"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": gettext_lazy("请按“年-月-日”选择日期。")},
    )

    def __init__(self, *args, halls, hall, matters, window, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["hall"].choices = [(h.code, h.name) for h in halls]
        self.fields["hall"].initial = hall.code if hall else ""
        if hall is not None:
            self.fields["board"].queryset = boards_served(hall)
        self.matters = {matter.code: matter for matter in matters}
        groups: dict[str, list] = {}
        for matter in matters:
            groups.setdefault(matter.board.name, []).append((matter.code, matter.name))
        self.fields["matter"].choices = [("", _("（不限事项）")), *groups.items()]
        self.first, self.last = window
        if self.first:
            self.fields["date"].widget.attrs.update(
                min=self.first.isoformat(), max=self.last.isoformat()
            )

    def is_valid(self) -> bool:
        valid = super().is_valid()
        for name in self.errors:
            if name in self.fields:
                self.fields[name].widget.attrs.update(
                    {"aria-invalid": "true", "aria-describedby": f"{self[name].auto_id}_error"}
                )
        return valid

    def clean(self) -> dict:
        data = super().clean()
        matter = self.matters.get(data.get("matter") or "")
        data["matter"] = matter
        if matter is not None:
            data["board"] = matter.board
        day = data.get("date")
        if day and self.first and not self.first <= day <= self.last:
            self.add_error(
                "date",
                _("可预约%(first)s至%(last)s之间的日期。")
                % {"first": self.first.isoformat(), "last": self.last.isoformat()},
            )
        if day and not self.first:
            self.add_error("date", _("暂无可预约时段。"))
        return data


@login_required
def appointment_list(request: HttpRequest) -> HttpResponse:
    """Choose a board (or a matter) and a day, book a slot; see or cancel one's bookings."""
    if request.method == "POST":
        try:
            if "cancel" in request.POST:
                appointment = get_object_or_404(
                    Appointment, pk=request.POST["cancel"], user=request.user
                )
                appointment_cancel(appointment=appointment, by=request.user)
                messages.success(request, _("预约已取消。"))
            else:
                slot = get_object_or_404(Slot, pk=request.POST.get("slot"))
                booked = appointment_book(slot=slot, by=request.user)
                messages.success(
                    request,
                    _("预约成功，预约码 %(code)s。请在预约时段到大厅自助取号机凭预约码签到。")
                    % {"code": booked.code},
                )
        except (DomainError, ValidationError) as error:
            messages.error(request, getattr(error, "detail", None) or "; ".join(error.messages))
        # Back to the same hall, board and day (only these, as a query on this page).
        back = {
            key: request.POST[key]
            for key in ("hall", "board", "date", "matter")
            if request.POST.get(key)
        }
        url = reverse("queue:appointment-list")
        return redirect(f"{url}?{urlencode(back)}" if back else url)

    halls = list(selectors.appointment_halls())
    code = request.GET.get("hall") or ""
    if code:
        hall = next((h for h in halls if h.code == code), None)
    else:
        hall = next((h for h in halls if h.is_city_centre), None) or (halls[0] if halls else None)
    matters = []
    if hall is not None:
        matters = list(
            Matter.published.filter(matters_taken_in_at(hall), board__in=boards_served(hall))
            .select_related("board")
            .order_by("board__order", "name")
        )
    search = AppointmentSearchForm(
        request.GET,
        halls=halls,
        hall=hall,
        matters=matters,
        window=selectors.booking_window(hall) if hall else (None, None),
    )
    if hall is not None and not code:
        search.data = search.data.copy()
        search.data["hall"] = hall.code
    board = day = None
    slots = []
    if search.is_valid() and hall is not None:
        board = search.cleaned_data["board"]
        day = search.cleaned_data["date"]
        if board is not None:
            if day is None:
                # No day chosen: the first with open slots, shown in the date picker too.
                day = selectors.first_open_day(board, hall)
                if day is not None:
                    search.data = search.data.copy()
                    search.data["date"] = day.isoformat()
            slots = list(selectors.upcoming_slots(hall=hall, board=board, on=day)) if day else []
    return render(
        request,
        "windows/appointments.html",
        {
            "search": search,
            "hall": hall,
            "board": board,
            "day": day,
            "matter": search.cleaned_data.get("matter") if search.is_valid() else None,
            "slots": slots,
            "appointments": selectors.appointments_of(request.user)[:20],
        },
    )
